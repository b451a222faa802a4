"""API tokens are stored hashed, can expire, be revoked or be read-only; throttles answer 429."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commitments.models import ApiToken
from tests.api_helpers import token_for, user_in
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/commitments/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_database_holds_only_a_digest_of_the_key() -> None:
    key = token_for(user_in("analyst", username="ana"))
    token = ApiToken.objects.get()
    stored = " ".join(str(value) for value in ApiToken.objects.values_list().get())
    assert key not in stored
    assert key[10:] not in stored
    assert token.hint == key[:9]
    assert with_key(key).get(LIST).status_code == 200


@pytest.mark.parametrize(
    "change",
    [
        {"enabled": False},
        {"expires_at": timezone.now() - datetime.timedelta(seconds=1)},
    ],
    ids=["revoked", "expired"],
)
def test_revoked_or_expired_token_is_401_on_the_next_request(change: dict[str, Any]) -> None:
    key = token_for(user_in("analyst", username="ana"))
    client = with_key(key)
    assert client.get(LIST).status_code == 200
    ApiToken.objects.update(**change)
    assert client.get(LIST).status_code == 401


@pytest.mark.parametrize("header", ["Token nope", "Token", "Token a b", "Token \u00e9t\u00e9"])
def test_malformed_or_unknown_token_is_401(header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(LIST).status_code == 401


def test_token_of_a_deactivated_user_is_refused() -> None:
    user = user_in("analyst", username="ana")
    key = token_for(user)
    user.is_active = False
    user.save()
    assert with_key(key).get(LIST).status_code == 401


def test_last_used_is_written_at_most_once_a_minute() -> None:
    key = token_for(user_in("analyst", username="ana"))
    client = with_key(key)
    client.get(LIST)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    client.get(LIST)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - datetime.timedelta(minutes=2))
    client.get(LIST)
    latest = ApiToken.objects.get().last_used_at
    assert latest is not None
    assert latest > first - datetime.timedelta(minutes=1)


def test_lead_creates_a_token_in_the_admin_and_sees_the_key_once() -> None:
    lead = user_in("lead", username="lee")
    client = Client()
    client.force_login(lead)
    response = client.post(
        reverse("admin:commitments_apitoken_add"),
        {"name": "export script", "user": lead.pk, "write_enabled": "", "enabled": "on"},
        follow=True,
    )
    message = next(str(m) for m in response.context["messages"] if "Copy the key now" in str(m))
    key = message.rsplit(" ", 1)[-1]
    assert with_key(key).get(LIST).status_code == 200
    token = ApiToken.objects.get()
    page = client.get(reverse("admin:commitments_apitoken_change", args=[token.pk])).content.decode()
    assert key not in page


@pytest.fixture
def private_throttle_cache(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "test-throttle"},
    }
    caches["throttle"].clear()


@pytest.mark.usefixtures("private_throttle_cache")
def test_anonymous_throttle_answers_429_with_retry_after(settings: Any) -> None:
    settings.TRACKER_API_THROTTLE_RATES = {"anon": "3/minute", "user": "1000/minute"}
    CommitmentFactory.create()
    client = APIClient()
    statuses = [client.get(LIST).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(LIST)
    assert int(response["Retry-After"]) > 0


@pytest.mark.usefixtures("private_throttle_cache")
def test_authenticated_users_get_their_own_budget(settings: Any) -> None:
    settings.TRACKER_API_THROTTLE_RATES = {"anon": "1/minute", "user": "2/minute"}
    client = with_key(token_for(user_in("analyst", username="ana")))
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 429]


def test_unreachable_throttle_cache_lets_requests_through(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    settings.TRACKER_API_THROTTLE_RATES = {"anon": "1/minute", "user": "1/minute"}
    client = APIClient()
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
