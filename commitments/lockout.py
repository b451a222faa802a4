"""Failed sign-ins are counted, and past a limit refused before any password is hashed or any token
looked up (docs/reliability.md). Each password try costs ~0.4 s of CPU (PBKDF2), so without a limit
guessing is both a risk to accounts and a cheap denial of service.

Counters live in the `throttle` cache (Redis in production, so every web process shares them), per
client address and per username: a guesser is stopped whether they try many passwords on one account
or one password on many. A successful sign-in clears the username's count. If the cache is down the
check lets the attempt through (fail open, like the API throttle) and says so in the log once a
minute, not on every request.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

_last_warned: dict[str, float] = {}
WARN_INTERVAL = 60.0  # seconds between two warnings about the same unreachable backend


def warn_now_and_then(key: str, message: str, *args: Any) -> None:
    """Log a warning at most once per WARN_INTERVAL per key (per process): an outage of the cache
    would otherwise write a traceback for every request."""
    now = time.monotonic()
    if now - _last_warned.get(key, -WARN_INTERVAL) >= WARN_INTERVAL:
        _last_warned[key] = now
        logger.warning(message, *args)


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or with TRACKER_NUM_PROXIES = N trusted proxies in front,
    the address the Nth proxy from the end of X-Forwarded-For saw. The client chooses the rest of that
    header, so without trusted proxies it is ignored."""
    meta = getattr(request, "META", {})
    proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return str(meta.get("REMOTE_ADDR", ""))


def _count_one(cache: Any, key: str, window: int) -> int:
    """Add one to a fixed-window counter (created with the window as its lifetime); the new count.
    incr() is atomic in Redis: two processes cannot both take the last one."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        return 1


@dataclass(frozen=True)
class FailureLimit:
    """At most `limit` failures per `window` seconds for each key; past that, refused until the
    oldest counted window ends (a fixed window: simple, and the count cannot be reset by waiting
    a little)."""

    scope: str
    limit: int
    window: int

    def _key(self, kind: str, value: str) -> str:
        digest = hashlib.sha256(value.casefold().encode()).hexdigest()[:32]
        return f"failures:{self.scope}:{kind}:{digest}"

    def _keys(self, address: str, username: str | None) -> list[str]:
        keys = [self._key("address", address)]
        if username:
            keys.append(self._key("user", username))
        return keys

    def blocked(self, address: str, username: str | None = None) -> bool:
        try:
            counts = caches["throttle"].get_many(self._keys(address, username))
        except Exception:  # the cache backend's connection errors have no common base class
            warn_now_and_then("lockout", "Sign-in failure counter unavailable; not limiting attempts")
            return False
        return any(int(count) >= self.limit for count in counts.values())

    def record_failure(self, address: str, username: str | None = None) -> None:
        cache = caches["throttle"]
        try:
            for key in self._keys(address, username):
                _count_one(cache, key, self.window)
        except Exception:  # the cache backend's connection errors have no common base class
            warn_now_and_then("lockout", "Sign-in failure counter unavailable; not limiting attempts")

    def clear(self, username: str) -> None:
        try:
            caches["throttle"].delete(self._key("user", username))
        except Exception:  # the cache backend's connection errors have no common base class
            warn_now_and_then("lockout", "Sign-in failure counter unavailable; not limiting attempts")


def login_limit() -> FailureLimit:
    return FailureLimit("login", settings.TRACKER_LOGIN_FAILURE_LIMIT, settings.TRACKER_LOGIN_FAILURE_WINDOW)


def token_limit() -> FailureLimit:
    return FailureLimit("token", settings.TRACKER_TOKEN_FAILURE_LIMIT, settings.TRACKER_LOGIN_FAILURE_WINDOW)


def lockout_message() -> str:
    minutes = max(1, settings.TRACKER_LOGIN_FAILURE_WINDOW // 60)
    return f"Too many failed attempts. Try again in {minutes} minutes."


@dataclass(frozen=True)
class SubmissionLimit:
    """At most `limit` submissions per `window` seconds from each client address (public forms, such
    as evidence suggestions). Counted before the form is read, so a flood of invalid posts is limited
    too; with the cache down it lets the submission through (fail open), as the sign-in limit does."""

    scope: str
    limit: int
    window: int

    @property
    def minutes(self) -> int:
        return max(1, self.window // 60)

    def spend(self, address: str) -> bool:
        """Count one submission from `address`; False if it is over the limit for this window."""
        cache = caches["throttle"]
        key = f"submissions:{self.scope}:{hashlib.sha256(address.encode()).hexdigest()[:32]}"
        try:
            count = _count_one(cache, key, self.window)
        except Exception:  # the cache backend's connection errors have no common base class
            warn_now_and_then("submissions", "Submission counter unavailable; not limiting %s", self.scope)
            return True
        return count <= self.limit


def suggestion_limit() -> SubmissionLimit:
    return SubmissionLimit(
        "suggestion", settings.TRACKER_SUGGESTION_LIMIT, settings.TRACKER_SUGGESTION_WINDOW
    )
