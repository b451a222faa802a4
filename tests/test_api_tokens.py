"""API tokens are stored hashed, can expire, be revoked or be read-only; throttles answer 429."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from commitments import services
from commitments.models import ApiToken
from tests.api_helpers import token_for, user_in
from tests.factories import CommitmentFactory, UserFactory

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


TOKENS = reverse("admin:commitments_apitoken_changelist")
ADD_TOKEN = reverse("admin:commitments_apitoken_add")


def create_in_admin(client: Client, **fields: Any) -> Any:
    return client.post(ADD_TOKEN, {"name": "export script", "enabled": "on", **fields})


@pytest.mark.parametrize("group", ["analyst", "lead"])
def test_a_user_creates_a_token_and_sees_the_key_once_on_that_page_only(group: str) -> None:
    user = user_in(group, username="ana")
    client = Client()
    client.force_login(user)

    response = create_in_admin(client, write_enabled="on")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key.startswith("ct_")
    assert key in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.user, token.write_enabled) == (user, True)
    # Never in a cookie (the messages framework stores messages in one), nor the session.
    assert all(key not in morsel.value for morsel in response.cookies.values())
    assert all(key not in str(value) for value in client.session.values())
    assert key not in client.get(TOKENS).content.decode()
    assert (
        key not in client.get(reverse("admin:commitments_apitoken_change", args=[token.pk])).content.decode()
    )
    assert with_key(key).get(LIST).status_code == 200


def test_a_lead_cannot_mint_a_token_in_someone_elses_name() -> None:
    lead = user_in("lead", username="lee")
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(lead)

    create_in_admin(client, user=root.pk, write_enabled="on")

    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["lee"]
    with pytest.raises(PermissionDenied):
        services.issue_api_token(token=ApiToken(user=root, name="x"), actor=lead)
    assert not ApiToken.objects.filter(user=root).exists()


def test_a_superuser_may_create_a_token_for_someone_else() -> None:
    analyst = user_in("analyst", username="ana")
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)

    response = create_in_admin(client, user=analyst.pk)

    assert response.status_code == 200
    assert ApiToken.objects.get().user == analyst


def test_a_tokens_user_never_changes() -> None:
    lead = user_in("lead", username="lee")
    other = user_in("analyst", username="ana")
    token_for(lead)
    token = ApiToken.objects.get()
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)

    client.post(
        reverse("admin:commitments_apitoken_change", args=[token.pk]),
        {"name": "renamed", "user": other.pk, "enabled": "on"},
    )

    token.refresh_from_db()
    assert (token.name, token.user) == ("renamed", lead)


def test_people_see_only_their_own_tokens_and_superusers_see_all() -> None:
    token_for(user_in("lead", username="lee"))
    token_for(user_in("analyst", username="ana"))
    client = Client()
    client.force_login(User.objects.get(username="ana"))

    listed = client.get(TOKENS).context["cl"].result_list

    assert [token.user.username for token in listed] == ["ana"]
    other = ApiToken.objects.get(user__username="lee")
    assert client.get(reverse("admin:commitments_apitoken_change", args=[other.pk])).status_code == 302


@pytest.mark.postgres
def test_sql_cannot_move_a_token_to_another_user() -> None:
    token_for(user_in("lead", username="lee"))
    root = UserFactory.create(username="root", is_superuser=True)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE commitments_apitoken SET user_id = %s", [root.pk])
    assert ApiToken.objects.get().user.username == "lee"


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
