"""Production mode refuses development defaults; with its variables set it passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
STRONG_KEY = "k3J9-vQ2_pX8mZ7-tR4wL6yN1bH5cF0dG3sA9eU2iO7qW8xV4nM6jK1lP5zT0rY"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_mode_without_secret_key_fails_at_start_up_with_a_readable_message() -> None:
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="tracker.example.org")

    assert result.returncode != 0
    assert "DJANGO_DEBUG=0 (production mode) needs DJANGO_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # says how to fix it


def test_production_mode_without_allowed_hosts_fails_at_start_up() -> None:
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=STRONG_KEY)

    assert result.returncode != 0
    assert "needs DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_mode_passes_the_deployment_checklist() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS="tracker.example.org",
    )

    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_a_malformed_boolean_is_reported_by_name() -> None:
    result = run_manage("check", DJANGO_DEBUG="maybe")

    assert result.returncode != 0
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr
