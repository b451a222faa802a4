"""Rate limits that cannot be dodged (issue 16): admin sign-in and API tokens are refused past a number
of failures per client address and per username, before any password is hashed; the client address
is REMOTE_ADDR unless trusted proxies are configured, so a made-up X-Forwarded-For changes nothing; and
with the counters' cache down everything still works and the log says so once, not per request."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.test import APIClient

from tests.api_helpers import token_for, user_in
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/?next=/admin/"
LIST = "/api/v1/commitments/"
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's


@pytest.fixture
def limits(settings: Any) -> Any:
    settings.TRACKER_LOGIN_FAILURE_LIMIT = 5
    settings.TRACKER_TOKEN_FAILURE_LIMIT = 5
    settings.TRACKER_LOGIN_FAILURE_WINDOW = 900
    return settings


def sign_in(client: Client, username: str, password: str, address: str = "127.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_thirty_wrong_passwords_then_the_right_one_does_not_sign_in(limits: Any) -> None:
    user_in("analyst", username="ana")
    client = Client()
    for _ in range(30):
        sign_in(client, "ana", "wrong")
    response = sign_in(client, "ana", PASSWORD)
    assert not signed_in(client)
    assert "Too many failed attempts" in response.content.decode()


def test_a_locked_out_attempt_costs_no_password_hash(limits: Any) -> None:
    user_in("analyst", username="ana")
    client = Client()
    for _ in range(5):
        sign_in(client, "ana", "wrong")
    with mock.patch.object(User, "check_password", autospec=True, return_value=True) as check:
        for _ in range(10):
            sign_in(client, "ana", PASSWORD)
    assert check.call_count == 0


def test_one_address_guessing_across_many_usernames_is_stopped(limits: Any) -> None:
    user_in("analyst", username="ana")
    client = Client()
    for n in range(5):
        sign_in(client, f"nobody{n}", "guess", address="10.0.0.9")
    sign_in(client, "ana", PASSWORD, address="10.0.0.9")
    assert not signed_in(client)
    sign_in(client, "ana", PASSWORD, address="10.0.0.10")  # another client is not held up
    assert signed_in(client)


def test_many_addresses_guessing_one_username_are_stopped(limits: Any) -> None:
    user_in("analyst", username="ana")
    client = Client()
    for n in range(5):
        sign_in(client, "ana", "guess", address=f"10.0.1.{n}")
    sign_in(client, "ana", PASSWORD, address="10.0.2.1")
    assert not signed_in(client)


def test_a_successful_sign_in_clears_the_username_count(limits: Any) -> None:
    user_in("analyst", username="ana")
    client = Client()
    for _ in range(4):
        sign_in(client, "ana", "wrong", address="10.0.3.1")
    sign_in(client, "ana", PASSWORD, address="10.0.3.2")
    assert signed_in(client)
    client.logout()
    for _ in range(4):
        sign_in(client, "ana", "wrong", address="10.0.3.3")
    sign_in(client, "ana", PASSWORD, address="10.0.3.4")
    assert signed_in(client)


def test_forwarded_for_written_by_the_client_does_not_change_who_it_is(limits: Any) -> None:
    user_in("analyst", username="ana")
    client = Client()
    for n in range(5):
        client.post(LOGIN, {"username": "ana", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    sign_in(client, "ana", PASSWORD)
    assert not signed_in(client)


def test_guessing_api_tokens_is_refused_with_429_past_the_limit(limits: Any) -> None:
    CommitmentFactory.create()
    key = token_for(user_in("analyst", username="ana"))
    guesser = APIClient(REMOTE_ADDR="10.0.4.1")
    statuses = [guesser.get(LIST, HTTP_AUTHORIZATION=f"Token wrong{n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
    response = guesser.get(LIST, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 429  # even the right key, from that client, until the window ends
    assert int(response["Retry-After"]) > 0
    other = APIClient(REMOTE_ADDR="10.0.4.2")
    assert other.get(LIST, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_the_anonymous_throttle_ignores_a_made_up_forwarded_for(settings: Any) -> None:
    settings.TRACKER_API_THROTTLE_RATES = {"anon": "3/minute", "user": "1000/minute"}
    CommitmentFactory.create()
    client = APIClient()
    statuses = [client.get(LIST, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_client(settings: Any) -> None:
    settings.TRACKER_API_THROTTLE_RATES = {"anon": "2/minute", "user": "1000/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    CommitmentFactory.create()
    client = APIClient(REMOTE_ADDR="10.9.9.9")  # the proxy
    # The client may prepend anything; the proxy appends the address it saw, last.
    first = [client.get(LIST, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 192.0.2.7").status_code for n in range(3)]
    assert first == [200, 200, 429]
    assert client.get(LIST, HTTP_X_FORWARDED_FOR="192.0.2.8").status_code == 200


def test_with_the_counters_cache_down_sign_in_works_and_the_log_says_so_once(
    limits: Any, caplog: pytest.LogCaptureFixture
) -> None:
    limits.CACHES = {
        **limits.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    }
    user_in("analyst", username="ana")
    client = Client()
    with (
        caplog.at_level(logging.WARNING),
        mock.patch("commitments.lockout._last_warned", {}),
    ):
        for _ in range(3):
            sign_in(client, "ana", "wrong")
        sign_in(client, "ana", PASSWORD)
        for _ in range(5):
            assert APIClient().get(LIST).status_code == 200
    assert signed_in(client)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len([w for w in warnings if "counter unavailable" in w]) == 1, warnings
    assert len([w for w in warnings if "throttle cache unavailable" in w]) == 1, warnings
    assert not any(record.exc_info for record in caplog.records)
