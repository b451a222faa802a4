"""Probes for a load balancer or an orchestrator. /healthz: the process answers (no database, so a
database outage does not get every web process restarted). /readyz: it can serve, i.e. the database
answers a query and, where one is configured, the Celery broker answers a ping; 503 naming what failed
otherwise. Neither touches the session or the user, and neither is cached."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from commitments.errors import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    ready = all(result in {"ok", "not configured"} for result in checks.values())
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means the same here: not ready
        logger.warning("readyz: database check failed: %s", error)
        return f"error: {type(error).__name__}"
    return "ok"


def _broker() -> str:
    if not settings.REDIS_URL:
        return "not configured"  # tasks run in-process (CELERY_TASK_ALWAYS_EAGER)
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as error:  # any failure means the same here: not ready
        logger.warning("readyz: broker check failed: %s", error)
        return f"error: {type(error).__name__}"
    return "ok"
