"""What the test run may rely on: with TRACKER_REQUIRE_SERVICES=1 (CI) a missing service is a failure,
elsewhere a skip that says what is missing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REQUIRE_SERVICES = os.environ.get("TRACKER_REQUIRE_SERVICES", "").strip() in {"1", "true", "yes"}


def shared_dir() -> Path:
    """The workplace's shared folder (the real corpus, the source documents): $TRACKER_SHARED_DIR,
    else `shared/` beside the checkout."""
    configured = os.environ.get("TRACKER_SHARED_DIR", "")
    return Path(configured) if configured else Path(__file__).resolve().parent.parent.parent / "shared"


def missing_service(reason: str) -> NoReturn:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (TRACKER_REQUIRE_SERVICES=1 turns this skip into a failure)", pytrace=False)
    pytest.skip(reason)
