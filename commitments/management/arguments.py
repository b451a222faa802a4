"""Argument types shared by the management commands."""

from __future__ import annotations

import argparse
import datetime


def iso_date(value: str) -> datetime.date:
    """argparse `type=` for YYYY-MM-DD. argparse turns the error into a usage message and exit 2
    (a CommandError raised here would escape as a traceback: it is only handled around handle())."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date: use YYYY-MM-DD, e.g. 2025-03-31."
        ) from None
