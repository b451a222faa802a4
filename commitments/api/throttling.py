"""Fair-use throttles: rates from settings at request time, counters in the `throttle` cache.

DRF's throttle is not atomic across processes and is no security control; if its cache is
unreachable the request passes (fail open) and the failure is logged once a minute, rather than a 500.
Clients are told apart by REMOTE_ADDR, or behind TRACKER_NUM_PROXIES trusted proxies by the address the
last of them saw (DRF's NUM_PROXIES): never by what the client writes into X-Forwarded-For.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from commitments.lockout import warn_now_and_then

logger = logging.getLogger(__name__)


class _SettingsRateMixin:
    def __init__(self) -> None:
        self.cache = caches["throttle"]
        super().__init__()

    def get_rate(self) -> str | None:
        return settings.TRACKER_API_THROTTLE_RATES.get(getattr(self, "scope", ""))

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]  # the DRF throttle below
        except Exception as error:  # the cache backend's connection errors have no common base class
            warn_now_and_then(
                "throttle", "API throttle cache unavailable (%s); letting requests through", error
            )
            return True


class AnonThrottle(_SettingsRateMixin, AnonRateThrottle):
    pass


class UserThrottle(_SettingsRateMixin, UserRateThrottle):
    pass
