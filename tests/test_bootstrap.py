from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

from commitments.models import Sector

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[object, ...]:
    return (
        sorted(Sector.objects.values_list("slug", "parent__slug")),
        sorted(Group.objects.values_list("name", "permissions__codename")),
        get_user_model().objects.count(),
    )


def test_bootstrap_twice_changes_nothing() -> None:
    call_command("bootstrap", stdout=io.StringIO())
    first = snapshot()
    call_command("bootstrap", stdout=io.StringIO())
    assert snapshot() == first


def test_bootstrap_restores_a_deleted_group_and_sector() -> None:
    Group.objects.filter(name="analyst").delete()
    Sector.objects.filter(slug="governance").delete()

    call_command("bootstrap", stdout=io.StringIO())

    assert Group.objects.get(name="analyst").permissions.filter(codename="add_review").exists()
    assert Sector.objects.filter(slug="governance").exists()


def test_local_superuser_is_created_once_and_its_password_printed() -> None:
    out = io.StringIO()
    call_command("bootstrap", "--create-superuser", stdout=out)
    assert "Created superuser 'admin' with password: " in out.getvalue()
    password = out.getvalue().split("password: ")[1].split()[0]
    assert get_user_model().objects.get(username="admin").check_password(password)

    again = io.StringIO()
    call_command("bootstrap", "--create-superuser", stdout=again)
    assert "none created" in again.getvalue()
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
