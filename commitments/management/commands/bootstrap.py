"""Make sure a new or existing installation has its reference data. Safe to run any number of times."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from commitments.defaults import install_default_sectors, install_groups
from commitments.importer.seed import load_seeds
from commitments.models import Sector


class Command(BaseCommand):
    help = (
        "Install the default sector taxonomy, the analyst and lead groups and the seed document (idempotent)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--create-superuser",
            action="store_true",
            help="For a local installation: create a superuser 'admin' with a generated password "
            "if no superuser exists yet, and print the password once.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            sectors = install_default_sectors(Sector)
            permissions = install_groups(Group, Permission)
        self.stdout.write(f"Sectors: {sectors} created. Groups: {permissions} permission(s) added.")
        for report in load_seeds():
            for line in report.lines()[:2]:
                self.stdout.write(f"Seed: {line}")
        if options["create_superuser"]:
            self._create_superuser()

    def _create_superuser(self) -> None:
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser exists already; none created.")
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(username="admin", email="admin@localhost", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created superuser 'admin' with password: {password}"))
        self.stdout.write("It is shown only now; change it in the admin if you like.")
