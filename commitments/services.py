"""Writes that carry business rules. The admin, the API, commands and tasks all call these;
nothing else changes a commitment's status, owner or version."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commitments.choices import Priority, Status
from commitments.exceptions import ConcurrentEditError
from commitments.models import Commitment, CommitmentSector, Evidence, Review, ReviewCitation, Sector

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RATIONALE_REQUIRED: Final = "A status change needs a rationale: say what the evidence shows and why."
UNKNOWN_STATUS: Final = "“{status}” is not a status. Choose one of: {choices}."
FOREIGN_EVIDENCE: Final = "Only evidence attached to this commitment can be cited."
PRIMARY_ALSO_SECONDARY: Final = "The primary sector cannot also be a secondary sector."


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def validate_review(*, status_before: str, status_after: str, rationale: str) -> str:
    """Check a proposed review; return the rationale as it will be stored.

    Forms call this in clean() so that errors show on the field; record_review calls it again
    under the row lock, where status_before is known for certain.
    """
    if status_after not in Status.values:
        raise ValidationError(
            {"status": UNKNOWN_STATUS.format(status=status_after, choices=", ".join(Status.values))},
            code="invalid_status",
        )
    rationale = rationale.strip()
    if status_after != status_before and not rationale:
        raise ValidationError({"rationale": RATIONALE_REQUIRED}, code="rationale_required")
    return rationale


def _lock(commitment: Commitment | int, expected_version: int | None) -> Commitment:
    """Lock the commitment's row for the rest of the transaction and check the caller's version."""
    pk = commitment.pk if isinstance(commitment, Commitment) else commitment
    locked = Commitment.objects.select_for_update().get(pk=pk)
    if expected_version is not None and locked.version != expected_version:
        changed_by = None
        if locked.updated_by_id is not None:
            changed_by = (
                Commitment.objects.filter(pk=pk).values_list("updated_by__username", flat=True).first()
            )
        raise ConcurrentEditError(
            expected_version=expected_version,
            current_version=locked.version,
            changed_by=changed_by,
            changed_at=locked.updated_at,
        )
    return locked


def _save_new_version(
    commitment: Commitment, actor: User | None, now: datetime, fields: Iterable[str]
) -> None:
    commitment.version += 1
    commitment.updated_at = now
    commitment.updated_by_id = actor.pk if actor is not None else None
    commitment.save(update_fields=[*fields, "version", "updated_at", "updated_by"])


@transaction.atomic
def record_review(
    *,
    commitment: Commitment | int,
    reviewer: User,
    status: str,
    rationale: str = "",
    evidence: Iterable[Evidence | int] = (),
    expected_version: int | None = None,
) -> Review:
    """Record one review: the new status, why, and the evidence it rests on.

    Locks the commitment so that two concurrent reviews serialise (each sees the other's
    status as its "before"), writes the append-only Review, and moves the commitment's status,
    last-reviewed time and version, all in one transaction.
    """
    locked = _lock(commitment, expected_version)
    rationale = validate_review(status_before=locked.status, status_after=status, rationale=rationale)
    evidence_ids = {item.pk if isinstance(item, Evidence) else int(item) for item in evidence}
    if evidence_ids:
        owned = set(
            Evidence.objects.filter(pk__in=evidence_ids, commitment=locked).values_list("pk", flat=True)
        )
        if owned != evidence_ids:
            raise ValidationError({"evidence": FOREIGN_EVIDENCE}, code="foreign_evidence")

    now = timezone.now()
    review = Review.objects.create(
        commitment=locked,
        reviewer=reviewer,
        reviewed_at=now,
        status_before=locked.status,
        status_after=status,
        rationale=rationale,
    )
    ReviewCitation.objects.bulk_create(
        ReviewCitation(review=review, evidence_id=pk) for pk in sorted(evidence_ids)
    )

    locked.status = status
    locked.last_reviewed_at = now
    _save_new_version(locked, reviewer, now, ["status", "last_reviewed_at"])
    if isinstance(commitment, Commitment):
        # Let the caller's instance reflect what was written (and carry the new version).
        for field in ("status", "last_reviewed_at", "version", "updated_at", "updated_by_id"):
            setattr(commitment, field, getattr(locked, field))
    return review


def mark_reviewed(
    *, commitment: Commitment | int, reviewer: User, rationale: str = "", expected_version: int | None = None
) -> Review:
    """Confirm the current status is still right: a review without a status change."""
    with transaction.atomic():
        current = _lock(commitment, expected_version).status
        return record_review(
            commitment=commitment,
            reviewer=reviewer,
            status=current,
            rationale=rationale,
            expected_version=expected_version,
        )


@transaction.atomic
def update_commitment(
    *,
    commitment: Commitment | int,
    actor: User | None,
    expected_version: int | None,
    owner: Any = UNSET,
    priority: Any = UNSET,
    target_date: Any = UNSET,
    primary_sector: Any = UNSET,
    secondary_sectors: Any = UNSET,
) -> Commitment:
    """Change a commitment's curation fields (never its status: that takes a review).

    Refuses with ConcurrentEditError when `expected_version` is stale, checked under the row lock.
    Returns the locked, updated instance; its version moves on only if something changed.
    """
    locked = _lock(commitment, expected_version)
    changed: list[str] = []
    if owner is not UNSET and locked.owner_id != (owner.pk if owner is not None else None):
        locked.owner = owner
        changed.append("owner")
    if priority is not UNSET and locked.priority != priority:
        if priority not in Priority.values:
            raise ValidationError({"priority": f"“{priority}” is not a priority."}, code="invalid_priority")
        locked.priority = priority
        changed.append("priority")
    if target_date is not UNSET and locked.target_date != target_date:
        if target_date is not None and not isinstance(target_date, date):
            raise ValidationError({"target_date": "Enter a date."}, code="invalid_date")
        locked.target_date = target_date
        changed.append("target_date")
    sectors_changed = _set_sectors(locked, primary_sector, secondary_sectors)
    if changed or sectors_changed:
        _save_new_version(locked, actor, timezone.now(), changed)
    return locked


def _set_sectors(commitment: Commitment, primary: Any, secondary: Any) -> bool:
    """Replace the commitment's sector links; True if they changed."""
    if primary is UNSET and secondary is UNSET:
        return False
    current = dict(
        CommitmentSector.objects.filter(commitment=commitment).values_list("sector_id", "is_primary")
    )
    current_primary = next((pk for pk, is_primary in current.items() if is_primary), None)
    new_primary = current_primary if primary is UNSET else (primary.pk if primary is not None else None)
    if secondary is UNSET:
        new_secondary = {pk for pk, is_primary in current.items() if not is_primary}
    else:
        new_secondary = {sector.pk if isinstance(sector, Sector) else int(sector) for sector in secondary}
    if new_primary is not None and new_primary in new_secondary:
        if secondary is UNSET:
            new_secondary.discard(new_primary)  # promoting a secondary sector to primary
        else:
            raise ValidationError(
                {"secondary_sectors": PRIMARY_ALSO_SECONDARY}, code="primary_also_secondary"
            )
    wanted = {pk: False for pk in new_secondary}
    if new_primary is not None:
        wanted[new_primary] = True
    if wanted == current:
        return False
    CommitmentSector.objects.filter(commitment=commitment).delete()
    CommitmentSector.objects.bulk_create(
        CommitmentSector(commitment=commitment, sector_id=pk, is_primary=is_primary)
        for pk, is_primary in wanted.items()
    )
    return True


@transaction.atomic
def save_evidence(*, evidence: Evidence, actor: User | None) -> Evidence:
    """Add or change a piece of evidence. The commitment's version moves on too: its representation
    (and ETag) includes its evidence, so a colleague's open edit learns of the new source."""
    locked = _lock(evidence.commitment_id, None)
    if evidence.pk is None and evidence.added_by_id is None and actor is not None:
        evidence.added_by_id = actor.pk
    evidence.full_clean()  # the API skips model validation otherwise (DRF does not call it)
    evidence.save()
    _save_new_version(locked, actor, timezone.now(), [])
    evidence.commitment.version = locked.version
    evidence.commitment.updated_at = locked.updated_at
    return evidence


@transaction.atomic
def assign_owner(*, commitments: Iterable[Commitment | int], owner: User | None, actor: User | None) -> int:
    """Give commitments an owner (or none); returns how many changed hands."""
    pks = [item.pk if isinstance(item, Commitment) else int(item) for item in commitments]
    owner_pk = owner.pk if owner is not None else None
    # Each changed row gets a new version, so an open edit of it elsewhere is refused later.
    return (
        Commitment.objects.filter(pk__in=pks)
        .exclude(owner_id=owner_pk)
        .update(
            owner_id=owner_pk,
            version=F("version") + 1,
            updated_at=timezone.now(),
            updated_by_id=actor.pk if actor is not None else None,
        )
    )


# --- Reminders: snooze ------------------------------------------------------------------

SNOOZE_REASON_REQUIRED: Final = "Say why reminders about this commitment can wait."
SNOOZE_DATE_NOT_IN_FUTURE: Final = "Snooze until a day after today."


def validate_snooze(*, until: date | None, reason: str) -> str:
    """Check a proposed snooze; return the reason as it will be stored (forms call this in clean())."""
    errors: dict[str, str] = {}
    if not isinstance(until, date) or until <= timezone.localdate():
        errors["until"] = SNOOZE_DATE_NOT_IN_FUTURE
    reason = reason.strip()
    if not reason:
        errors["reason"] = SNOOZE_REASON_REQUIRED
    if errors:
        raise ValidationError(errors, code="invalid_snooze")
    return reason


@transaction.atomic
def snooze_commitment(
    *,
    commitment: Commitment | int,
    until: date,
    reason: str,
    actor: User | None,
    expected_version: int | None = None,
) -> Commitment:
    """No reminders about this commitment before `until` (it still shows as stale everywhere else)."""
    reason = validate_snooze(until=until, reason=reason)
    locked = _lock(commitment, expected_version)
    locked.snoozed_until, locked.snooze_reason = until, reason
    locked.snoozed_by_id = actor.pk if actor is not None else None
    _save_new_version(locked, actor, timezone.now(), ["snoozed_until", "snooze_reason", "snoozed_by"])
    return locked


@transaction.atomic
def unsnooze_commitment(
    *, commitment: Commitment | int, actor: User | None, expected_version: int | None = None
) -> Commitment:
    """Resume reminders now; a commitment that is not snoozed is left as it is."""
    locked = _lock(commitment, expected_version)
    if locked.snoozed_until is not None:
        locked.snoozed_until, locked.snooze_reason, locked.snoozed_by_id = None, "", None
        _save_new_version(locked, actor, timezone.now(), ["snoozed_until", "snooze_reason", "snoozed_by"])
    return locked
