"""Writes that carry business rules. The admin, the API, commands and tasks all call these;
nothing else changes a commitment's status, owner, evidence or version.

Every edit of one commitment is one call: it locks the commitment's row once, checks the version
the caller based the edit on, writes, and moves the version on once (`stamp_new_version`, the only
place a version moves). The version is what the API's ETag carries, so anything that changes a
commitment's representation — its curation, evidence, reviews, snooze, or the names of its
document, section and sectors — goes through here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from commitments.choices import EvidenceKind, EvidenceSignal, Priority, Status, SuggestionState
from commitments.exceptions import CitedEvidenceIsFrozenError, ConcurrentEditError
from commitments.models import (
    MAX_TEXT_LENGTH,
    SUGGESTION_TEXT_LIMIT,
    ApiToken,
    Commitment,
    CommitmentSector,
    Document,
    Evidence,
    EvidenceArchive,
    EvidenceLink,
    EvidenceSuggestion,
    Review,
    ReviewCitation,
    Section,
    Sector,
    current_method_version,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

RATIONALE_REQUIRED: Final = "A status change needs a rationale: say what the evidence shows and why."
UNKNOWN_STATUS: Final = "“{status}” is not a status. Choose one of: {choices}."
FOREIGN_EVIDENCE: Final = "Only evidence attached to this commitment can be cited."
EVIDENCE_STAYS: Final = "Evidence cannot move to another commitment: add it there as new evidence."
PRIMARY_ALSO_SECONDARY: Final = "The primary sector cannot also be a secondary sector."
TOKEN_FOR_SOMEONE_ELSE: Final = (
    "You can create API tokens only for yourself; ask a superuser for anyone else's."
)
TEXT_TOO_LONG: Final = (
    "At most {limit:,} characters: this text has {length:,}. Shorten it, or quote the essential and link "
    "the rest as evidence."
)

# What a review relied on: once cited, none of these may change (the PostgreSQL trigger of migration
# 0008 holds the same list).
EVIDENCE_RECORD_FIELDS: Final = ("url", "title", "publisher", "published_on", "kind", "signal", "excerpt")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final[Any] = _Unset()


# --- The version: one rule, one bump ------------------------------------------------------


def check_version(commitment: Commitment, expected_version: int | None) -> None:
    """Refuse an edit based on another version of `commitment` than the one it has.

    The API calls it early (before validating a body) and every service calls it again under the
    row lock, where the answer is final.
    """
    if expected_version is None or commitment.version == expected_version:
        return
    # By id, not through a join made with the lock: a row read after waiting for a lock is the new
    # one, but what was joined to it is not.
    changed_by = None
    if commitment.updated_by_id is not None:
        users = get_user_model().objects.filter(pk=commitment.updated_by_id)
        changed_by = users.values_list(get_user_model().USERNAME_FIELD, flat=True).first()
    raise ConcurrentEditError(
        expected_version=expected_version,
        current_version=commitment.version,
        changed_by=changed_by,
        changed_at=commitment.updated_at,
    )


def stamp_new_version(
    commitments: QuerySet[Commitment], *, actor: User | None, at: datetime | None = None, **changes: Any
) -> int:
    """Write `changes` and move each commitment's version on by one, in a single UPDATE.

    The only place a version moves: single edits, bulk assignment and re-imports all come here, and
    `version + 1` in SQL keeps two concurrent bumps from collapsing into one.
    """
    return commitments.update(
        **changes,
        version=F("version") + 1,
        updated_at=at or timezone.now(),
        updated_by_id=actor.pk if actor is not None else None,
    )


def _lock(commitment: Commitment | int, expected_version: int | None) -> Commitment:
    """Lock the commitment's row for the rest of the transaction and check the caller's version."""
    pk = commitment.pk if isinstance(commitment, Commitment) else commitment
    locked = Commitment.objects.select_for_update().get(pk=pk)
    check_version(locked, expected_version)
    return locked


def _stamp(locked: Commitment, actor: User | None, fields: Iterable[str]) -> None:
    """Write the locked commitment's changed `fields` and its new version."""
    now = timezone.now()
    changes = {field: getattr(locked, field) for field in fields}
    stamp_new_version(Commitment.objects.filter(pk=locked.pk), actor=actor, at=now, **changes)
    # The row is locked, so the version written is the one read plus one.
    locked.version, locked.updated_at, locked.updated_by = locked.version + 1, now, actor


# --- One edit of one commitment ---------------------------------------------------------


@dataclass(frozen=True)
class Curation:
    """The fields a lead curates; a field left UNSET is not touched."""

    owner: Any = UNSET
    priority: Any = UNSET
    target_date: Any = UNSET
    primary_sector: Any = UNSET
    secondary_sectors: Any = UNSET


@dataclass(frozen=True)
class EvidenceChanges:
    """Evidence rows to add (unsaved), change (edited in memory) and delete, all of one commitment."""

    added: Sequence[Evidence] = ()
    changed: Sequence[Evidence] = ()
    deleted: Sequence[Evidence] = ()


@dataclass(frozen=True)
class ReviewProposal:
    """A review to record. `status=None` confirms the current status (a review without a change)."""

    status: str | None = None
    rationale: str = ""
    cited: Iterable[Evidence | int] = ()
    # Evidence added in the same edit is what the analyst just found: it is cited too.
    cite_added_evidence: bool = True


@dataclass(frozen=True)
class EditOutcome:
    commitment: Commitment  # as written, with its new version
    review: Review | None
    changed: bool


@transaction.atomic
def save_commitment_edit(
    *,
    commitment: Commitment | int,
    actor: User | None,
    expected_version: int | None,
    curation: Curation | None = None,
    evidence: EvidenceChanges | None = None,
    review: ReviewProposal | None = None,
) -> EditOutcome:
    """Apply one person's edit of a commitment: curation, evidence and a review, all or nothing.

    Locks the row once and refuses with ConcurrentEditError when `expected_version` is stale. The
    version moves on by exactly one if anything changed, and not at all for a no-op.
    """
    locked = _lock(commitment, expected_version)
    fields = _apply_curation(locked, curation) if curation is not None else []
    sectors_changed = curation is not None and _set_sectors(
        locked, curation.primary_sector, curation.secondary_sectors
    )
    added: Sequence[Evidence] = ()
    evidence_changed = False
    if evidence is not None:
        added, evidence_changed = _apply_evidence(locked, evidence, actor)
    recorded = None
    if review is not None:
        if actor is None:
            raise ValueError("a review is recorded by someone: pass the reviewer as actor")
        recorded = _record_review(locked, review, actor, added)
        fields += ["status", "last_reviewed_at"]
    changed = bool(fields or sectors_changed or evidence_changed or recorded)
    if changed:
        _stamp(locked, actor, fields)
    return EditOutcome(commitment=locked, review=recorded, changed=changed)


def validate_text_length(field: str, text: str) -> None:
    """Refuse free text longer than MAX_TEXT_LENGTH (a rationale, an excerpt, a snooze reason).

    Every page and answer that lists such texts stays small only if each is bounded; the database
    refuses longer text too (migration 0014), this says so on the field first.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise ValidationError(
            {field: TEXT_TOO_LONG.format(limit=MAX_TEXT_LENGTH, length=len(text))}, code="too_long"
        )


def validate_review(*, status_before: str, status_after: str, rationale: str) -> str:
    """Check a proposed review; return the rationale as it will be stored.

    Forms call this in clean() so that errors show on the field; the service calls it again under
    the row lock, where status_before is known for certain.
    """
    if status_after not in Status.values:
        raise ValidationError(
            {"status": UNKNOWN_STATUS.format(status=status_after, choices=", ".join(Status.values))},
            code="invalid_status",
        )
    rationale = rationale.strip()
    validate_text_length("rationale", rationale)
    if status_after != status_before and not rationale:
        raise ValidationError({"rationale": RATIONALE_REQUIRED}, code="rationale_required")
    return rationale


def _record_review(
    locked: Commitment, proposal: ReviewProposal, reviewer: User, added: Sequence[Evidence]
) -> Review:
    status = locked.status if proposal.status is None else proposal.status
    rationale = validate_review(
        status_before=locked.status, status_after=status, rationale=proposal.rationale
    )
    cited = {item.pk if isinstance(item, Evidence) else int(item) for item in proposal.cited}
    if cited:
        owned = set(Evidence.objects.filter(pk__in=cited, commitment=locked).values_list("pk", flat=True))
        if owned != cited:
            raise ValidationError({"evidence": FOREIGN_EVIDENCE}, code="foreign_evidence")
    if proposal.cite_added_evidence:
        cited |= {item.pk for item in added}
    now = timezone.now()
    review = Review.objects.create(
        commitment=locked,
        reviewer=reviewer,
        reviewed_at=now,
        status_before=locked.status,
        status_after=status,
        rationale=rationale,
        # The method in force now, read at write time (not at import): the review keeps it for good.
        method_version=current_method_version(),
    )
    ReviewCitation.objects.bulk_create(ReviewCitation(review=review, evidence_id=pk) for pk in sorted(cited))
    locked.status, locked.last_reviewed_at = status, now
    return review


def _apply_curation(locked: Commitment, curation: Curation) -> list[str]:
    """Set the curation fields that differ; return their names."""
    changed: list[str] = []
    if curation.owner is not UNSET and locked.owner_id != (curation.owner.pk if curation.owner else None):
        validate_owner(curation.owner)
        locked.owner = curation.owner
        changed.append("owner")
    if curation.priority is not UNSET and locked.priority != curation.priority:
        if curation.priority not in Priority.values:
            raise ValidationError(
                {"priority": f"“{curation.priority}” is not a priority."}, code="invalid_priority"
            )
        locked.priority = curation.priority
        changed.append("priority")
    if curation.target_date is not UNSET and locked.target_date != curation.target_date:
        if curation.target_date is not None and not isinstance(curation.target_date, date):
            raise ValidationError({"target_date": "Enter a date."}, code="invalid_date")
        locked.target_date = curation.target_date
        changed.append("target_date")
    return changed


def validate_sectors(primary: Sector | int | None, secondary: Iterable[Sector | int] | None) -> None:
    """A commitment's primary sector is not also one of its secondary sectors."""
    if primary is None:
        return
    primary_pk = primary.pk if isinstance(primary, Sector) else primary
    if primary_pk in {sector.pk if isinstance(sector, Sector) else int(sector) for sector in secondary or ()}:
        raise ValidationError({"secondary_sectors": PRIMARY_ALSO_SECONDARY}, code="primary_also_secondary")


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
        new_secondary.discard(new_primary)  # promoting a secondary sector to primary
    else:
        validate_sectors(new_primary, secondary)
        new_secondary = {sector.pk if isinstance(sector, Sector) else int(sector) for sector in secondary}
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


def _apply_evidence(
    locked: Commitment, changes: EvidenceChanges, actor: User | None
) -> tuple[Sequence[Evidence], bool]:
    """Add, change and delete evidence of the locked commitment; return (added, anything changed).

    Evidence a review cites is part of the record: changing or deleting it is refused. The lock on
    the commitment is what makes "is it cited?" a stable question here: a review citing it would
    have to take the same lock.
    """
    touched = [*changes.changed, *changes.deleted]
    stored = Evidence.objects.filter(pk__in=[item.pk for item in touched]).in_bulk()
    for item in [*changes.added, *touched]:
        owner = stored[item.pk].commitment_id if item.pk in stored else item.commitment_id
        if owner != locked.pk or item.commitment_id != locked.pk:
            raise ValidationError({"commitment": EVIDENCE_STAYS}, code="evidence_stays")
    edited = [item for item in changes.changed if _record_differs(stored[item.pk], item)]
    if edited or changes.deleted:
        checked = Evidence.objects.filter(pk__in=[item.pk for item in [*edited, *changes.deleted]])
        cited = set(checked.cited().values_list("pk", flat=True))
        frozen = [stored[item.pk].title for item in [*edited, *changes.deleted] if item.pk in cited]
        if frozen:
            raise CitedEvidenceIsFrozenError(frozen)
    for item in [*changes.added, *edited]:
        validate_text_length("excerpt", item.excerpt)
        if item.pk is None and item.added_by_id is None and actor is not None:
            item.added_by = actor
        # The commitment is locked (so it exists) and the adder is the actor: no query to check them.
        item.full_clean(exclude=["commitment", "added_by"])
    for item in changes.added:
        item.save()
    for item in edited:
        item.save(update_fields=EVIDENCE_RECORD_FIELDS)
    moved = [item for item in edited if stored[item.pk].url != item.url]
    if moved:
        # A corrected URL is another link: the old one's health and archived copies say nothing of it.
        EvidenceLink.objects.filter(evidence__in=moved).delete()
        EvidenceArchive.objects.filter(evidence__in=moved).delete()
        for item in moved:  # and the rows in hand say so too (an API answer serializes them)
            if Evidence.link.related.is_cached(item):
                Evidence.link.related.delete_cached_value(item)
            setattr(item, "has_archive", False)  # noqa: B010  (with_link_health()'s annotation)
    if changes.deleted:
        Evidence.objects.filter(pk__in=[item.pk for item in changes.deleted]).delete()
    return changes.added, bool(changes.added or edited or changes.deleted)


def _record_differs(stored: Evidence, edited: Evidence) -> bool:
    return any(getattr(stored, name) != getattr(edited, name) for name in EVIDENCE_RECORD_FIELDS)


# --- The single-purpose writes: each is one edit ---------------------------------------------


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

    Two concurrent reviews serialise on the row lock (each sees the other's status as its
    "before"); the Review, its citations and the commitment's status, last-reviewed time and
    version are written in one transaction.
    """
    outcome = save_commitment_edit(
        commitment=commitment,
        actor=reviewer,
        expected_version=expected_version,
        review=ReviewProposal(status=status, rationale=rationale, cited=evidence),
    )
    assert outcome.review is not None  # a proposal always records a review (or raises)
    return outcome.review


def mark_reviewed(
    *, commitment: Commitment | int, reviewer: User, rationale: str = "", expected_version: int | None = None
) -> Review:
    """Confirm the current status is still right: a review without a status change."""
    outcome = save_commitment_edit(
        commitment=commitment,
        actor=reviewer,
        expected_version=expected_version,
        review=ReviewProposal(status=None, rationale=rationale),
    )
    assert outcome.review is not None
    return outcome.review


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
    """Change a commitment's curation fields (never its status: that takes a review)."""
    curation = Curation(owner, priority, target_date, primary_sector, secondary_sectors)
    return save_commitment_edit(
        commitment=commitment, actor=actor, expected_version=expected_version, curation=curation
    ).commitment


def save_evidence(*, evidence: Evidence, actor: User | None, expected_version: int | None = None) -> Evidence:
    """Add a piece of evidence, or correct one that no review cites yet."""
    changes = (
        EvidenceChanges(added=[evidence]) if evidence.pk is None else EvidenceChanges(changed=[evidence])
    )
    save_commitment_edit(
        commitment=evidence.commitment_id, actor=actor, expected_version=expected_version, evidence=changes
    )
    return evidence


def delete_evidence(*, evidence: Evidence, actor: User | None, expected_version: int | None = None) -> None:
    """Delete a piece of evidence that no review cites."""
    save_commitment_edit(
        commitment=evidence.commitment_id,
        actor=actor,
        expected_version=expected_version,
        evidence=EvidenceChanges(deleted=[evidence]),
    )


OWNER_NOT_STAFF: Final = "An owner keeps the assessment current in the admin: choose an active staff account."


def validate_owner(owner: User | None) -> None:
    """An owner is an active staff account (who can sign in to the admin and receives the digests)."""
    if owner is not None and not (owner.is_active and owner.is_staff):
        raise ValidationError({"owner": OWNER_NOT_STAFF}, code="owner_not_staff")


def assign_owner(*, commitments: Iterable[Commitment | int], owner: User | None, actor: User | None) -> int:
    """Give commitments an owner (or none); returns how many changed hands."""
    validate_owner(owner)
    pks = [item.pk if isinstance(item, Commitment) else int(item) for item in commitments]
    owner_pk = owner.pk if owner is not None else None
    changing = Commitment.objects.filter(pk__in=pks).exclude(owner_id=owner_pk)
    return stamp_new_version(changing, actor=actor, owner_id=owner_pk)


# --- Reminders: snooze ------------------------------------------------------------------

SNOOZE_REASON_REQUIRED: Final = "Say why reminders about this commitment can wait."
SNOOZE_DATE_NOT_IN_FUTURE: Final = "Snooze until a day after today."
SNOOZE_FIELDS: Final = ("snoozed_until", "snooze_reason", "snoozed_by")


def validate_snooze(*, until: date | None, reason: str) -> str:
    """Check a proposed snooze; return the reason as it will be stored (forms call this in clean())."""
    errors: dict[str, str] = {}
    if not isinstance(until, date) or until <= timezone.localdate():
        errors["until"] = SNOOZE_DATE_NOT_IN_FUTURE
    reason = reason.strip()
    if not reason:
        errors["reason"] = SNOOZE_REASON_REQUIRED
    elif len(reason) > MAX_TEXT_LENGTH:
        errors["reason"] = TEXT_TOO_LONG.format(limit=MAX_TEXT_LENGTH, length=len(reason))
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
    if (locked.snoozed_until, locked.snooze_reason) != (until, reason):
        locked.snoozed_until, locked.snooze_reason = until, reason
        locked.snoozed_by_id = actor.pk if actor is not None else None
        _stamp(locked, actor, SNOOZE_FIELDS)
    return locked


@transaction.atomic
def unsnooze_commitment(
    *, commitment: Commitment | int, actor: User | None, expected_version: int | None = None
) -> Commitment:
    """Resume reminders now; a commitment that is not snoozed is left as it is."""
    locked = _lock(commitment, expected_version)
    if locked.snoozed_until is not None:
        locked.snoozed_until, locked.snooze_reason, locked.snoozed_by_id = None, "", None
        _stamp(locked, actor, SNOOZE_FIELDS)
    return locked


# --- The catalogue: names that commitments show -------------------------------------------


@transaction.atomic
def save_document(*, document: Document, actor: User | None) -> Document:
    """Save a document's details; its commitments get a new version if their slug or title changed."""
    _save_shown(document, ("slug", "title"), Commitment.objects.filter(document_id=document.pk), actor)
    return document


@transaction.atomic
def save_section(*, section: Section, actor: User | None) -> Section:
    """Save a section; the commitments under it get a new version if their heading path changed."""
    below = Section.objects.filter(document_id=section.document_id).subtree_ids(section.pk)
    _save_shown(
        section, ("key", "heading", "parent_id"), Commitment.objects.filter(section_id__in=below), actor
    )
    return section


@transaction.atomic
def save_sector(*, sector: Sector, actor: User | None) -> Sector:
    """Save a sector; the commitments listing it get a new version if its slug, name or order changed."""
    listing = Commitment.objects.filter(
        pk__in=CommitmentSector.objects.filter(sector_id=sector.pk).values("commitment")
    )
    _save_shown(sector, ("slug", "name", "position"), listing, actor)
    return sector


def _save_shown(
    instance: Any, shown: tuple[str, ...], showing: QuerySet[Commitment], actor: User | None
) -> None:
    before = type(instance).objects.filter(pk=instance.pk).values(*shown).first() if instance.pk else None
    instance.save()
    if before is not None and any(before[name] != getattr(instance, name) for name in shown):
        stamp_new_version(showing, actor=actor)


# --- API tokens ---------------------------------------------------------------------------


@transaction.atomic
def issue_api_token(*, token: ApiToken, actor: User) -> str:
    """Give `token` a key and save it; return the key (shown once, never stored).

    A token acts as its user, so a user creates tokens for themselves; only a superuser may create
    one in someone else's name. The user of a token never changes after this.
    """
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(TOKEN_FOR_SOMEONE_ELSE)
    key = token.issue_key()
    token.save()
    return key


# --- Evidence suggested by the public -------------------------------------------------------

SUGGESTION_WAITING: Final = "This link is already waiting for an analyst for this commitment: thank you."
SUGGESTION_DECIDED: Final = (
    "This suggestion was already {state} by {who} at {when:%Y-%m-%d %H:%M:%S %Z}: nothing was changed."
)
REJECTION_REASON_REQUIRED: Final = "Say why it is rejected: the submitter is told, if they left an e-mail."


@dataclass(frozen=True)
class SubmittedSuggestion:
    suggestion: EvidenceSuggestion
    created: bool  # False: the same URL was already waiting for this commitment (nothing stored)


@transaction.atomic
def submit_suggestion(
    *, commitment: Commitment | int, url: str, note: str, email: str = ""
) -> SubmittedSuggestion:
    """File a member of the public's evidence for a commitment, pending an analyst's decision.

    The same URL already pending for the commitment is not stored twice. The commitment's row lock
    makes "is it already waiting?" a stable question (two identical submissions at once store one);
    it is held for one short insert and bumps no version (a suggestion changes no representation).
    """
    pk = commitment.pk if isinstance(commitment, Commitment) else commitment
    locked = Commitment.objects.select_for_update().only("pk").get(pk=pk)
    suggestion = EvidenceSuggestion(
        commitment=locked, url=url.strip(), note=note.strip(), email=email.strip()
    )
    suggestion.full_clean(exclude=["commitment"])
    waiting = EvidenceSuggestion.objects.pending().filter(commitment=locked, url=suggestion.url).first()
    if waiting is not None:
        return SubmittedSuggestion(waiting, created=False)
    suggestion.save()
    return SubmittedSuggestion(suggestion, created=True)


def default_evidence_title(url: str) -> str:
    """A title for evidence when the analyst gives none: the link's host and path, e.g.
    "news.example.org/2024/06/25/change-6-returns"."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path.rstrip('/')}"[:300] or url[:300]


def validate_rejection(reason: str) -> str:
    """Check a rejection's reason; return it as it will be stored (forms call this in clean())."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": REJECTION_REASON_REQUIRED}, code="reason_required")
    if len(reason) > SUGGESTION_TEXT_LIMIT:
        raise ValidationError(
            {"reason": TEXT_TOO_LONG.format(limit=SUGGESTION_TEXT_LIMIT, length=len(reason))}, code="too_long"
        )
    return reason


def check_pending(suggestion: EvidenceSuggestion) -> None:
    """Refuse to decide a suggestion that has been decided (forms ask early; the services again under
    the row lock, where the answer is final)."""
    if suggestion.state == SuggestionState.PENDING:
        return
    who = "someone"
    if suggestion.decided_by_id is not None:
        users = get_user_model().objects.filter(pk=suggestion.decided_by_id)
        who = users.values_list(get_user_model().USERNAME_FIELD, flat=True).first() or who
    raise ValidationError(
        SUGGESTION_DECIDED.format(
            state=suggestion.get_state_display().lower(),
            who=who,
            when=timezone.localtime(suggestion.decided_at or timezone.now()),
        ),
        code="already_decided",
    )


def _lock_suggestion(suggestion: EvidenceSuggestion | int) -> EvidenceSuggestion:
    pk = suggestion.pk if isinstance(suggestion, EvidenceSuggestion) else suggestion
    locked = EvidenceSuggestion.objects.select_for_update().get(pk=pk)
    check_pending(locked)
    return locked


@transaction.atomic
def accept_suggestion(
    *,
    suggestion: EvidenceSuggestion | int,
    actor: User,
    title: str = "",
    kind: str = EvidenceKind.NEWS_REPORT,
    signal: str = EvidenceSignal.PROGRESS,
    publisher: str = "",
    published_on: date | None = None,
    excerpt: str | None = None,
) -> Evidence:
    """Turn a pending suggestion into evidence of its commitment (shown publicly from then on).

    The suggestion's row lock means two analysts cannot both decide it: the second is refused with
    SUGGESTION_DECIDED. The excerpt defaults to what the submitter said it shows; the title to the
    link's host and path. The submitter, if they left an e-mail, is told after the commit.
    """
    locked = _lock_suggestion(suggestion)
    evidence = Evidence(
        commitment_id=locked.commitment_id,
        url=locked.url,
        title=title.strip() or default_evidence_title(locked.url),
        publisher=publisher.strip(),
        published_on=published_on,
        kind=kind,
        signal=signal,
        excerpt=locked.note if excerpt is None else excerpt.strip(),
        added_by=actor,
    )
    save_evidence(evidence=evidence, actor=actor)  # locks the commitment, validates, moves its version
    locked.state, locked.evidence = SuggestionState.ACCEPTED, evidence
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["state", "evidence", "decided_by", "decided_at"])
    _tell_submitter_after_commit(locked)
    return evidence


@transaction.atomic
def reject_suggestion(
    *, suggestion: EvidenceSuggestion | int, actor: User, reason: str
) -> EvidenceSuggestion:
    """Decline a pending suggestion with a reason (the submitter, if they left an e-mail, is told).
    A rejected suggestion is never shown anywhere public."""
    reason = validate_rejection(reason)
    locked = _lock_suggestion(suggestion)
    locked.state, locked.rejection_reason = SuggestionState.REJECTED, reason
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["state", "rejection_reason", "decided_by", "decided_at"])
    _tell_submitter_after_commit(locked)
    return locked


def _tell_submitter_after_commit(suggestion: EvidenceSuggestion) -> None:
    if suggestion.email:
        transaction.on_commit(partial(send_suggestion_decision, suggestion.pk))


def send_suggestion_decision(suggestion_id: int) -> bool:
    """E-mail the submitter the decision on their suggestion; True if sent.

    Runs after the decision's commit: a mail server that fails is logged and does not undo the
    decision (nor show the analyst an error for a decision that stands)."""
    suggestion = EvidenceSuggestion.objects.select_related("commitment").filter(pk=suggestion_id).first()
    if suggestion is None or not suggestion.email or suggestion.state == SuggestionState.PENDING:
        return False
    commitment = suggestion.commitment
    page = f"{settings.TRACKER_BASE_URL}{commitment.get_absolute_url()}"
    if suggestion.evidence_id is not None:
        page += f"#evidence-{suggestion.evidence_id}"
    context = {"suggestion": suggestion, "commitment": commitment, "page": page}
    accepted = suggestion.state == SuggestionState.ACCEPTED
    subject = (
        f"Your evidence for {commitment.reference} was accepted"
        if accepted
        else f"Your evidence for {commitment.reference} was not accepted"
    )
    template = "accepted" if accepted else "rejected"
    body = render_to_string(f"commitments/email/suggestion_{template}.txt", context)
    try:
        send_mail(subject, body, None, [suggestion.email])
    except Exception:  # SMTP and socket errors have no common base class worth naming
        logger.exception("Could not e-mail the decision on suggestion %s", suggestion_id)
        return False
    return True
