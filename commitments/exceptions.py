"""Errors the domain raises; the admin and the API turn them into form errors and HTTP codes."""

from __future__ import annotations

from datetime import datetime


class AppendOnlyError(Exception):
    """A row of the record (a review or a citation) was about to be changed or deleted."""

    def __init__(self, what: str, verb: str):
        super().__init__(f"{what} cannot be {verb}; a correction is a new review.")


class CitedEvidenceIsFrozenError(Exception):
    """Evidence that a review cites was about to be changed, moved or deleted."""

    def __init__(self, titles: list[str]):
        self.titles = titles
        named = ", ".join(f"“{title}”" for title in titles)
        super().__init__(
            f"Evidence {named} is cited by a review, so it is part of the record and cannot be changed "
            "or deleted. To correct it, add new evidence and cite it in a new review."
        )


class ConcurrentEditError(Exception):
    """A write was based on a version of a commitment that someone else has since changed."""

    def __init__(
        self, *, expected_version: int, current_version: int, changed_by: str | None, changed_at: datetime
    ):
        self.expected_version = expected_version
        self.current_version = current_version
        self.changed_by = changed_by
        self.changed_at = changed_at
        who = changed_by or "someone else"
        super().__init__(
            f"This commitment was changed by {who} at {changed_at:%Y-%m-%d %H:%M:%S %Z} after you opened it "
            f"(version {current_version}, you edited version {expected_version}). "
            "Reload it, check their change, and apply yours again."
        )
