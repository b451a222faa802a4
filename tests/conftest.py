"""Shared fixtures. Tests that need PostgreSQL or Redis skip with a reason on a laptop without
them, and fail instead when TRACKER_REQUIRE_SERVICES=1 (set by CI)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection

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


# CI runs the suite as an app role (TRACKER_TEST_APP_ROLE), not as the tables' owner.
APP_ROLE = os.environ.get("TRACKER_TEST_APP_ROLE", "")
OWNER: list[str] = []  # the role that created the test database, once the session knows it


def _act_as_app_role(sender: Any, connection: Any, **kwargs: Any) -> None:
    # Each new connection of the owner's (the test client's, a thread's) acts as the app role.
    if connection.vendor == "postgresql" and connection.settings_dict["USER"] == OWNER[0]:
        with connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """With TRACKER_TEST_APP_ROLE set on PostgreSQL (CI sets it), the tests' queries run as that role,
    with the rights `grant_app_role` gives the app in production, not as the owner that created and
    migrated the test database: every connection does SET ROLE first. One right more, in the test
    database only: TRUNCATE, with which pytest-django empties the tables after a transactional test.
    Tests of what only the owner does (bulk loading, restoring, ANALYZE, the triggers themselves)
    ask for `as_owner`. tests/test_app_role.py proves the production rights with a role of its own."""
    OWNER.append(connection.settings_dict["USER"])
    if not APP_ROLE or connection.vendor != "postgresql":
        yield
        return
    from django.core.management import call_command
    from django.db.backends.signals import connection_created

    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') "
                f"THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
            )
            cursor.execute(f"GRANT {APP_ROLE} TO CURRENT_USER")
        call_command("grant_app_role", APP_ROLE, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    connection_created.connect(_act_as_app_role)
    connection.close()
    yield
    connection_created.disconnect(_act_as_app_role)
    connection.close()  # the owner drops the test database


@pytest.fixture(autouse=True)
def acts_as_app_role(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """Every test that uses the database starts acting as the app role, whatever a test before it
    left behind (inside a test's transaction the SET ends with it; outside, it holds)."""
    if not APP_ROLE or connection.vendor != "postgresql":
        return
    uses_db = request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        request.getfixturevalue("django_db_setup")
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(f"SET ROLE {APP_ROLE}")


@pytest.fixture
def as_owner(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """This test acts as the tables' owner, as the operation it tests is the owner's to run."""
    if not APP_ROLE or connection.vendor != "postgresql":
        yield
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    yield
    if not connection.in_atomic_block:
        # A transactional test: close, and the next connection acts as the app role again. (Left
        # open, it would outlive the test where a later one swaps the thread's connections, as
        # Playwright's event loop does, and hold the test database open at its teardown.)
        connection.close()
        return
    with django_db_blocker.unblock(), contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {APP_ROLE}")


def connect_as(role: str) -> None:
    """Let the queries that follow run as `role`, logged in as it (outside any transaction of a test)."""
    connection.close()
    connection.settings_dict["USER"] = role


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
