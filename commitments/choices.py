"""The fixed vocabularies of the domain, shared by models, forms, the API and reports."""

from django.db import models


class Status(models.TextChoices):
    """The promise-tracker scale researchers already know; the last two are final."""

    UNASSESSED = "unassessed", "Unassessed"
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    STALLED = "stalled", "Stalled"
    PARTIALLY_ACHIEVED = "partially_achieved", "Partially achieved"
    ACHIEVED = "achieved", "Achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"


FINAL_STATUSES = frozenset({Status.ACHIEVED, Status.NOT_ACHIEVED})

# Background/foreground pairs with at least 4.5:1 contrast; the badge always carries the label
# too, so colour is never the only signal.
STATUS_BADGE_COLOURS: dict[str, tuple[str, str]] = {
    Status.UNASSESSED: ("#e5e7eb", "#1f2937"),
    Status.NOT_STARTED: ("#fde68a", "#78350f"),
    Status.IN_PROGRESS: ("#bfdbfe", "#1e3a8a"),
    Status.STALLED: ("#fed7aa", "#7c2d12"),
    Status.PARTIALLY_ACHIEVED: ("#d9f99d", "#365314"),
    Status.ACHIEVED: ("#bbf7d0", "#14532d"),
    Status.NOT_ACHIEVED: ("#fecaca", "#7f1d1d"),
}


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class EvidenceKind(models.TextChoices):
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    NEWS_REPORT = "news_report", "News report"
    MISSION_RECORD = "mission_record", "Launch or mission record"
    DATASET = "dataset", "Dataset"
    ACADEMIC = "academic", "Academic publication"


class EvidenceSignal(models.TextChoices):
    """Whether a source shows the commitment moving forward or falling back."""

    PROGRESS = "progress", "Shows progress"
    SETBACK = "setback", "Shows a setback"


class ReminderState(models.TextChoices):
    """A digest is claimed before it is sent and marked sent afterwards (claim-then-send)."""

    CLAIMED = "claimed", "Claimed (sending)"
    SENT = "sent", "Sent"


class LinkStatus(models.TextChoices):
    """What the last check of an evidence URL found (commitments/linkcheck.py)."""

    UNCHECKED = "unchecked", "Not checked yet"
    OK = "ok", "Reachable"
    REDIRECTED = "redirected", "Reachable at another address"
    BROKEN = "broken", "Broken"
    REFUSED = "refused", "Refused (not a public address)"


class SuggestionState(models.TextChoices):
    """A public suggestion of evidence waits for an analyst, who accepts or rejects it."""

    PENDING = "pending", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
