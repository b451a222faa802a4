"""Shared fixtures. Tests that need PostgreSQL or Redis skip with a reason on a laptop without
them, and fail instead when TRACKER_REQUIRE_SERVICES=1 (set by CI)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from tests.environment import missing_service
from tests.factories import UserFactory

pytest_plugins = ["tests.browser"]  # the `chromium` fixture


def _redis_reachable() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception as error:  # any failure to reach it means the same: skip or fail
        return f"needs Redis at {url}: {error}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("needs PostgreSQL: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker")
    if item.get_closest_marker("redis"):
        problem = _redis_reachable()
        if problem:
            missing_service(problem)


@pytest.fixture(autouse=True)
def reference_data(request: pytest.FixtureRequest) -> None:
    """Transactional tests start after the previous one's flush, which also removed the rows the
    data migrations made (sectors, groups; post_migrate restores only permissions): put them back,
    as `bootstrap` would."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    from django.contrib.auth.models import Permission

    from commitments.defaults import install_default_sectors, install_groups
    from commitments.models import Sector

    install_default_sectors(Sector)
    install_groups(Group, Permission)


@pytest.fixture(autouse=True)
def fresh_throttle_counts(settings: Any, request: pytest.FixtureRequest) -> None:
    """Each test starts with no API requests counted against it: in CI the throttle's cache is Redis,
    shared by the whole run, and a test that reads a lot would otherwise get another test's 429s; and
    with no report remembered."""
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"throttle-{request.node.nodeid}",
        },
        # Reports remembered by one test must not answer another's (same fingerprint, other settings).
        "reports": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"reports-{request.node.nodeid}",
        },
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # Factories set passwords; the production hasher would make every test wait for it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def make_user(db: None) -> Callable[..., object]:
    def make(*groups: str, **fields: object) -> object:
        user = UserFactory.create(is_staff=True, **fields)
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def analyst(make_user: Callable[..., object]) -> object:
    return make_user("analyst", username="ana")


@pytest.fixture
def lead(make_user: Callable[..., object]) -> object:
    return make_user("lead", username="lee")
