"""The daily digest of stale commitments: who gets what, and sending each one at most once a day.

Who gets what (PRODUCT.md, "Staleness and reminders"):
- each owner gets ONE digest listing their stale commitments, longest past due for review first, each linked
  to its admin page. Snoozed commitments are left out until their snooze ends;
- stale commitments without an active owner (unassigned, or the owner's account is disabled)
  go to every lead (active member of the `lead` group with an e-mail address), in the lead's
  own digest, next to anything the lead owns;
- a commitment stale for more than twice its interval is escalated: marked in the digest, and
  an owner's digest that contains one copies (cc) the leads;
- a recipient without an e-mail address is skipped and reported.

Never twice: claim, send, mark. The `Reminder` row for (recipient, day) is INSERTed and
committed before the e-mail is sent; the unique constraint turns a second run (retry,
redelivery, two workers, two beats, cron plus beat) into an IntegrityError, and that run
skips the recipient. After the send the row is marked `sent`. A send that raises releases the
claim (deletes the row), so only delivered digests are recorded and a retry can claim again.

The crash window. If a worker dies between claiming and marking, the row stays `claimed`.
After REMINDER_CLAIM_TIMEOUT_MINUTES a later run takes it over (a conditional UPDATE, so only
one run can) and sends the digest. If the worker died *before* the SMTP server accepted the
message, this delivers the digest that would otherwise be lost. If it died in the moment
*after* the server accepted it and before the mark committed, the recipient gets a second
copy: delivery is at-least-once inside that window (milliseconds: one UPDATE). Both copies
carry the same Message-ID (fixed at the first claim), which lets many mail systems drop the
duplicate. The alternative, never taking over a claim, would make every crash anywhere
between claim and mark a day with no digest ("maybe zero"); we chose the narrow duplicate
window over the wide loss window. docs/operations.md says the same for operators.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from email.utils import formataddr, make_msgid
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce, Left
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from commitments.choices import ReminderState
from commitments.display import SHORT_TEXT_LENGTH, status_label, truncate
from commitments.models import Commitment, Evidence, Reminder
from commitments.querysets import review_intervals

logger = logging.getLogger(__name__)

LEAD_GROUP: Final = "lead"
# An e-mail lists at most this many items per section and links to the admin for the rest.
DIGEST_LIST_LIMIT: Final = 100
# After this many failed sends in a row the run stops: the mail server is down, not one address.
MAX_CONSECUTIVE_FAILURES: Final = 3
SUBJECT_PREFIX: Final = "[Commitment Tracker]"


# --- What a digest holds ----------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    pk: int
    username: str
    email: str
    name: str

    def __str__(self) -> str:
        return f"{self.username} <{self.email}>" if self.email else self.username

    @property
    def address(self) -> str:
        return formataddr((self.name or self.username, self.email))


@dataclass(frozen=True, slots=True)
class DigestItem:
    pk: int
    reference: str
    short_text: str
    status: str
    stale_since: date
    reviewed: bool
    overdue_days: int
    escalated: bool
    owner_name: str = ""  # set for items routed to leads because their owner is disabled

    @property
    def details(self) -> list[str]:
        """What the e-mail says about the item after its reference and text."""
        since = f"{self.stale_since:%Y-%m-%d}"
        details = [
            status_label(self.status),
            f"last reviewed {since}" if self.reviewed else f"never reviewed (added {since})",
            f"review due {self.overdue_days} day{'' if self.overdue_days == 1 else 's'} ago",
        ]
        if self.owner_name:
            details.append(f"owner {self.owner_name} is disabled")
        return details


def _most_overdue_first(items: Iterable[DigestItem]) -> list[DigestItem]:
    return sorted(items, key=lambda item: (-item.overdue_days, item.reference, item.pk))


@dataclass(frozen=True)
class DeadLink:
    """Evidence on one of the recipient's commitments whose link the checker found broken."""

    commitment_pk: int
    reference: str
    title: str
    url: str
    checked_at: datetime | None


@dataclass
class Digest:
    recipient: Recipient
    day: date
    own: list[DigestItem]
    unassigned: list[DigestItem]
    cc: list[str]
    # Broken evidence links on the commitments the recipient owns (stale or not): they say so with the
    # stale items, so a dead source is replaced or its archived copy cited at the next review.
    dead_links: list[DeadLink] = field(default_factory=list)

    @property
    def items(self) -> list[DigestItem]:
        return [*self.own, *self.unassigned]

    @property
    def listed_items(self) -> list[DigestItem]:
        """What the e-mail lists (and the Reminder records): the longest past due of each section."""
        return [*self.own[:DIGEST_LIST_LIMIT], *self.unassigned[:DIGEST_LIST_LIMIT]]

    @property
    def escalated_count(self) -> int:
        return sum(item.escalated for item in self.items)

    @property
    def subject(self) -> str:
        count = len(self.items)
        if not count:
            links = len(self.dead_links)
            return (
                f"{SUBJECT_PREFIX} {links} dead evidence link{'' if links == 1 else 's'} on your commitments"
            )
        noun = "commitment needs" if count == 1 else "commitments need"
        escalated = f" ({self.escalated_count} escalated)" if self.escalated_count else ""
        return f"{SUBJECT_PREFIX} {count} {noun} your review{escalated}"


@dataclass
class Plan:
    """Everyone's digest for one day, computed from the current state in a fixed number of queries."""

    day: date
    at: datetime
    digests: list[Digest]
    # Stale unassigned items nobody can be told about (no lead with an e-mail address).
    orphaned: list[DigestItem] = field(default_factory=list)


def acting_moment(day: date | None = None) -> tuple[date, datetime]:
    """The day a run is for and the moment staleness is computed at.

    Today: now. Another day (`send_reminders --date`): that day at the scheduled send time.
    """
    today = timezone.localdate()
    if day is None or day == today:
        return today, timezone.now()
    send_time = time(settings.REMINDER_HOUR, settings.REMINDER_MINUTE)
    return day, timezone.make_aware(datetime.combine(day, send_time))


def _lead_recipients() -> list[Recipient]:
    User = get_user_model()
    rows = (
        User.objects.filter(is_active=True, groups__name=LEAD_GROUP)
        .exclude(email="")
        .order_by("username", "pk")
        .values_list("pk", "username", "email", "first_name", "last_name")
        .distinct()
    )
    return [
        Recipient(pk, username, email, f"{first} {last}".strip()) for pk, username, email, first, last in rows
    ]


def plan_digests(*, day: date, at: datetime, only: Any = None) -> Plan:
    """Group the stale, unsnoozed commitments, and the dead evidence links, into one digest per recipient.

    Three queries whatever the number of commitments or owners: the leads, the commitments
    with their owners joined (one pass over a cursor; only a prefix of each text is read), and the
    broken evidence links on active owners' commitments (whose owners get a digest even with nothing
    stale).
    `only` (a user) restricts the plan to that user's digest (the admin preview).
    """
    leads = _lead_recipients()
    lead_pks = {lead.pk for lead in leads}
    commitments = Commitment.objects.for_reminders(at, day)
    if only is not None:
        mine = Q(owner=only.pk)
        if only.pk in lead_pks:
            mine |= Q(owner__isnull=True) | Q(owner__is_active=False)
        commitments = commitments.filter(mine)
    rows = (
        # Only as much of each text as the digest shows (and one more, to know whether to cut it).
        # One timestamp per row (its last review, or its creation), with a flag: parsing timestamps is
        # much of what reading tens of thousands of rows costs.
        commitments.annotate(
            text_start=Left("text", SHORT_TEXT_LENGTH + 1),
            since=Coalesce("last_reviewed_at", "created_at"),
            reviewed=ExpressionWrapper(Q(last_reviewed_at__isnull=False), output_field=BooleanField()),
        )
        .order_by()
        .values_list(
            "pk",
            "reference",
            "text_start",
            "status",
            "since",
            "reviewed",
            "is_escalated",
            "owner_id",
            "owner__is_active",
            "owner__username",
            "owner__email",
            "owner__first_name",
            "owner__last_name",
        )
    )
    intervals = review_intervals()
    zone = timezone.get_current_timezone()  # once: looking it up per row is most of the loop's time
    owners: dict[int, Recipient] = {}
    owned: dict[int, list[DigestItem]] = {}
    unassigned: list[DigestItem] = []
    for row in rows.iterator(chunk_size=2000):
        pk, reference, text, status, since, reviewed, escalated, owner_id, active, *who = row
        interval = intervals.get(status) or timedelta(0)
        item = DigestItem(
            pk=pk,
            reference=reference,
            short_text=truncate(text),
            status=status,
            stale_since=since.astimezone(zone).date(),
            reviewed=reviewed,
            overdue_days=max((at - since - interval).days, 0),
            escalated=bool(escalated),
            owner_name=who[0] if owner_id is not None and not active else "",
        )
        if owner_id is None or not active:
            unassigned.append(item)
            continue
        if owner_id not in owners:
            username, email, first, last = who
            owners[owner_id] = Recipient(owner_id, username, email, f"{first} {last}".strip())
        owned.setdefault(owner_id, []).append(item)

    unassigned = _most_overdue_first(unassigned)
    dead_links, dead_link_owners = _dead_links(only)
    # An owner with dead evidence links and nothing stale still hears of them (once a day, like the rest).
    for owner_pk, owner in dead_link_owners.items():
        owners.setdefault(owner_pk, owner)
    recipients = dict(owners)
    if unassigned:
        recipients.update({lead.pk: lead for lead in leads if only is None or lead.pk == only.pk})
    digests = []
    for recipient in sorted(recipients.values(), key=lambda r: (r.username, r.pk)):
        own = _most_overdue_first(owned.get(recipient.pk, []))
        cc: list[str] = []
        if any(item.escalated for item in own):
            cc = list(dict.fromkeys(lead.email for lead in leads if lead.email != recipient.email))
        digests.append(
            Digest(
                recipient=recipient,
                day=day,
                own=own,
                unassigned=unassigned if recipient.pk in lead_pks else [],
                cc=cc,
                dead_links=dead_links.get(recipient.pk, []),
            )
        )
    return Plan(day=day, at=at, digests=digests, orphaned=unassigned if not leads else [])


def _dead_links(only: Any = None) -> tuple[dict[int, list[DeadLink]], dict[int, Recipient]]:
    """Broken evidence links on active owners' commitments, per owner, and those owners: one query.
    `only` (a user) restricts it to that user's commitments."""
    evidence = Evidence.objects.with_dead_link().filter(commitment__owner__is_active=True)
    if only is not None:
        evidence = evidence.filter(commitment__owner=only.pk)
    rows = evidence.order_by("commitment__reference", "pk").values_list(
        "commitment__owner_id",
        "commitment__owner__username",
        "commitment__owner__email",
        "commitment__owner__first_name",
        "commitment__owner__last_name",
        "commitment_id",
        "commitment__reference",
        "title",
        "url",
        "link__checked_at",
    )
    found: dict[int, list[DeadLink]] = {}
    owners: dict[int, Recipient] = {}
    for owner_pk, username, email, first, last, pk, reference, title, url, checked_at in rows:
        found.setdefault(owner_pk, []).append(DeadLink(pk, reference, truncate(title), url, checked_at))
        if owner_pk not in owners:
            owners[owner_pk] = Recipient(owner_pk, username, email, f"{first} {last}".strip())
    return found, owners


def preview_digest(user: Any, day: date | None = None) -> Digest | None:
    """The digest `user` would get today (nothing is sent or recorded); None if nothing is stale."""
    day, at = acting_moment(day)
    plan = plan_digests(day=day, at=at, only=user)
    return next((digest for digest in plan.digests if digest.recipient.pk == user.pk), None)


# --- The e-mail -------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One item as the e-mail shows it, worked out once for the text and the HTML part.

    Both renderings are built here rather than in the templates: a day's run lists tens of thousands
    of items, and a template loop resolving a dozen variables per item was half the job's time."""

    item: DigestItem
    url: str
    details: list[str]

    @property
    def text(self) -> str:
        """The item in the plain-text part: three lines (not escaped: that part is not HTML)."""
        flag = "[ESCALATED] " if self.item.escalated else ""
        item = self.item
        return f"{flag}{item.reference} - {item.short_text}\n  {'; '.join(self.details)}\n  {self.url}"

    @property
    def html(self) -> SafeString:
        """The item as a row of the HTML part's table, every value escaped."""
        flag = _ESCALATED_BADGE if self.item.escalated else ""
        # html.escape is what django.utils.html.escape calls, without a SafeString per value.
        values = (self.url, self.item.reference, self.item.short_text, " · ".join(self.details))
        return mark_safe(_LINE_ROW.format(flag, *map(html.escape, values)))  # every value escaped


_ESCALATED_BADGE: Final = (
    '<span style="background:#fecaca;color:#7f1d1d;padding:1px 6px;border-radius:8px;font-weight:600;'
    'font-size:12px">ESCALATED</span><br>'
)
_LINE_ROW: Final = (
    '<tr style="border-top:1px solid #e5e7eb">\n'
    '<td style="padding:8px 8px 8px 0;vertical-align:top;white-space:nowrap">{}<a href="{}" '
    'style="font-weight:600">{}</a></td>\n'
    '<td style="padding:8px 0;vertical-align:top">{}<br><span style="color:#4b5563;font-size:13px">{}</span>'
    "</td>\n</tr>\n"
)


@dataclass(frozen=True)
class Section:
    title: str
    note: str
    total: int
    lines: list[Line]
    more: int
    more_url: str

    # The section's lines joined here, each rendering once: a template loop over a digest's hundreds of
    # lines resolved each line's attribute through the template engine.
    @property
    def text(self) -> str:
        """The lines in the plain-text part, each on its own after a blank line."""
        return "".join(f"\n{line.text}\n" for line in self.lines)

    @property
    def html(self) -> SafeString:
        """The lines as the rows of the HTML part's table (each escaped by Line.html)."""
        return mark_safe("".join(line.html for line in self.lines))  # each row escaped


def digest_context(digest: Digest) -> dict[str, Any]:
    """What the e-mail templates (and the admin preview) render."""
    base = settings.TRACKER_BASE_URL
    changelist = base + reverse("admin:commitments_commitment_changelist")
    # reverse() once rather than once per item: only the pk varies.
    head, tail = (base + reverse("admin:commitments_commitment_change", args=[0])).rsplit("/0/", 1)

    def section(title: str, note: str, items: list[DigestItem], owner_filter: str) -> Section:
        listed = items[:DIGEST_LIST_LIMIT]
        return Section(
            title=title,
            note=note,
            total=len(items),
            lines=[Line(item, f"{head}/{item.pk}/{tail}", item.details) for item in listed],
            more=len(items) - len(listed),
            more_url=f"{changelist}?owner={owner_filter}&stale=yes",
        )

    sections = []
    if digest.own:
        sections.append(section("Your commitments", "", digest.own, "mine"))
    if digest.unassigned:
        note = "You get these as a lead: assign an owner or review them."
        sections.append(section("Unassigned", note, digest.unassigned, "none"))
    dead_links = [
        (dead, f"{head}/{dead.commitment_pk}/{tail}") for dead in digest.dead_links[:DIGEST_LIST_LIMIT]
    ]
    return {
        "digest": digest,
        "recipient": digest.recipient,
        "sections": sections,
        "dead_links": dead_links,
        "dead_links_more": len(digest.dead_links) - len(dead_links),
        "escalated_count": digest.escalated_count,
        "base_url": base,
    }


def render_text(context: dict[str, Any]) -> str:
    """The e-mail's plain-text part (not HTML: its template does not escape; never put it in a page as is)."""
    return render_to_string("commitments/email/digest.txt", context)


def new_message_id() -> str:
    return make_msgid(domain=urlsplit(settings.TRACKER_BASE_URL).hostname or "localhost")


def build_message(digest: Digest, *, message_id: str = "", connection: Any = None) -> EmailMultiAlternatives:
    """The digest as a plain-text e-mail with an HTML alternative."""
    context = digest_context(digest)
    headers = {"Auto-Submitted": "auto-generated"}  # RFC 3834: auto-responders stay quiet
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_text(context),
        to=[digest.recipient.address],
        cc=digest.cc,
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(render_to_string("commitments/email/digest.html", context), "text/html")
    return message


# --- Claim, send, mark ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """The right to send one recipient's digest for one day; claimed_at is the fencing token."""

    pk: int
    claimed_at: datetime
    message_id: str
    attempts: int


def claim_timeout() -> timedelta:
    return timedelta(minutes=settings.REMINDER_CLAIM_TIMEOUT_MINUTES)


def claim_digest(*, recipient_pk: int, day: date) -> Claim | None:
    """Claim (recipient, day), or take over a claim abandoned longer than the timeout; None if taken.

    The INSERT commits on its own (or in a savepoint when the caller holds a transaction) so
    that every other run sees it before this one sends anything.
    """
    now = timezone.now()
    message_id = new_message_id()
    # Outside a transaction the INSERT is one of its own; inside a caller's, a savepoint keeps that
    # transaction usable after a conflict. (atomic() outside one cost a BEGIN and a COMMIT of its own.)
    where = transaction.atomic() if transaction.get_connection().in_atomic_block else contextlib.nullcontext()
    try:
        with where:
            reminder = Reminder.objects.create(
                recipient_id=recipient_pk,
                day=day,
                state=ReminderState.CLAIMED,
                claimed_at=now,
                message_id=message_id,
            )
        return Claim(pk=reminder.pk, claimed_at=now, message_id=message_id, attempts=1)
    except IntegrityError:
        pass  # sent, being sent, or abandoned: only the last may be taken over
    abandoned = Reminder.objects.filter(
        recipient_id=recipient_pk, day=day, state=ReminderState.CLAIMED, claimed_at__lt=now - claim_timeout()
    )
    # A conditional UPDATE: of two runs taking over the same claim, exactly one matches.
    if not abandoned.update(claimed_at=now, attempts=F("attempts") + 1):
        return None
    pk, message_id, attempts = Reminder.objects.values_list("pk", "message_id", "attempts").get(
        recipient_id=recipient_pk, day=day, claimed_at=now
    )
    logger.warning(
        "Took over the abandoned reminder claim %s (recipient %s, %s, attempt %s): "
        "if the first attempt's e-mail was accepted, this is a second copy.",
        pk,
        recipient_pk,
        day,
        attempts,
    )
    return Claim(pk=pk, claimed_at=now, message_id=message_id or new_message_id(), attempts=attempts)


def _held(claim: Claim) -> Any:
    return Reminder.objects.filter(pk=claim.pk, state=ReminderState.CLAIMED, claimed_at=claim.claimed_at)


def release_claim(claim: Claim) -> None:
    """Give the claim back after a failed send, so that the retry can claim it again."""
    _held(claim).delete()


def mark_sent(claim: Claim, digest: Digest) -> bool:
    """Record the delivered digest, with the items it listed; False if the claim was taken over meanwhile
    (logged). One UPDATE, so one commit."""
    marked = _held(claim).update(
        state=ReminderState.SENT,
        sent_at=timezone.now(),
        item_count=len(digest.items),
        escalated_count=digest.escalated_count,
        subject=digest.subject[:200],
        cc=", ".join(digest.cc),
        listed_commitment_ids=[item.pk for item in digest.listed_items],
    )
    if not marked:
        logger.error(
            "Reminder claim %s was taken over while its digest was being sent: the recipient may get "
            "two. REMINDER_CLAIM_TIMEOUT_MINUTES is shorter than a send takes.",
            claim.pk,
        )
    return bool(marked)


# --- A run ------------------------------------------------------------------------------


class Outcome(StrEnum):
    SENT = "sent"
    WOULD_SEND = "would send"
    ALREADY_SENT = "already sent today"
    TAKEN = "being sent by another run"
    NO_EMAIL = "skipped: no e-mail address"
    FAILED = "failed (nothing recorded; the run is retried)"


@dataclass
class Delivery:
    digest: Digest
    outcome: Outcome
    error: BaseException | None = None
    attempt: int = 0

    def line(self) -> str:
        digest = self.digest
        parts = [f"{len(digest.items)} item(s)", f"{digest.escalated_count} escalated"]
        if digest.cc:
            parts.append("cc " + ", ".join(digest.cc))
        if self.attempt > 1:
            parts.append(f"attempt {self.attempt}")
        detail = f": {self.error}" if self.error else ""
        return f"{digest.recipient}: {'; '.join(parts)} — {self.outcome}{detail}"


@dataclass
class RunSummary:
    """What one run did for each recipient, and what it could not do (for the log and the command)."""

    day: date
    dry_run: bool
    deliveries: list[Delivery]
    orphaned: list[DigestItem]
    stopped_early: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(delivery.outcome == outcome for delivery in self.deliveries)

    @property
    def failures(self) -> list[Delivery]:
        return [delivery for delivery in self.deliveries if delivery.outcome == Outcome.FAILED]

    def counts(self) -> dict[str, int]:
        return {outcome.name.lower(): self.count(outcome) for outcome in Outcome if self.count(outcome)}

    def lines(self) -> list[str]:
        lines = [delivery.line() for delivery in self.deliveries]
        if self.orphaned:
            lines.append(
                f"{len(self.orphaned)} unassigned stale item(s) — nobody told: "
                "no active lead with an e-mail address"
            )
        if self.stopped_early:
            lines.append(f"stopped after {MAX_CONSECUTIVE_FAILURES} failed sends in a row")
        return lines

    def raise_first_error(self) -> None:
        """Re-raise the first failed send, so that Celery retries the run (sent digests are skipped)."""
        for delivery in self.failures:
            if delivery.error is not None:
                raise delivery.error


def deliver(digest: Digest, *, connection: Any) -> Delivery:
    """Claim, send, mark one digest."""
    claim = claim_digest(recipient_pk=digest.recipient.pk, day=digest.day)
    if claim is None:
        return Delivery(digest, Outcome.TAKEN)
    message = build_message(digest, message_id=claim.message_id, connection=connection)
    try:
        message.send()
    except Exception as error:
        logger.warning("Reminder digest for %s failed: %r", digest.recipient, error)
        release_claim(claim)
        return Delivery(digest, Outcome.FAILED, error=error, attempt=claim.attempts)
    except BaseException:
        release_claim(claim)  # a warm shutdown interrupting the send: let the next run claim it
        raise
    # A failure from here on leaves the claim in place: the e-mail went out (the crash window).
    mark_sent(claim, digest)
    return Delivery(digest, Outcome.SENT, attempt=claim.attempts)


def send_digests(*, day: date | None = None, dry_run: bool = False) -> RunSummary:
    """Send every digest due on `day` (default today) that has not been sent yet.

    Queries: 4 to plan (leads, stale commitments, dead links, digests already sent that day), then per
    digest sent a claim INSERT and a mark UPDATE (which records the listed items); nothing per
    commitment. A failed send is released and reported; the caller re-raises it to retry.
    """
    day, at = acting_moment(day)
    plan = plan_digests(day=day, at=at)
    done = set(Reminder.objects.sent_on(day).values_list("recipient_id", flat=True))
    summary = RunSummary(day=day, dry_run=dry_run, deliveries=[], orphaned=plan.orphaned)
    connection = None if dry_run else get_connection()
    failures_in_a_row = 0
    try:
        for digest in plan.digests:
            if not digest.recipient.email:
                summary.deliveries.append(Delivery(digest, Outcome.NO_EMAIL))
            elif digest.recipient.pk in done:
                summary.deliveries.append(Delivery(digest, Outcome.ALREADY_SENT))
            elif dry_run:
                summary.deliveries.append(Delivery(digest, Outcome.WOULD_SEND))
            else:
                delivery = _open_and_deliver(digest, connection)
                summary.deliveries.append(delivery)
                failures_in_a_row = failures_in_a_row + 1 if delivery.outcome == Outcome.FAILED else 0
                if failures_in_a_row >= MAX_CONSECUTIVE_FAILURES:
                    summary.stopped_early = True
                    break
    finally:
        if connection is not None:
            _close_quietly(connection)
    for line in summary.lines():
        logger.info("Reminders for %s: %s", day, line)
    return summary


def _open_and_deliver(digest: Digest, connection: Any) -> Delivery:
    # One connection for the whole run, opened here rather than by send(): a connection that
    # send() opens is also closed by it, and an error in that QUIT would look like a failed
    # send of a message the server has already accepted.
    try:
        connection.open()
    except Exception as error:
        logger.warning("Could not open the mail connection: %r", error)
        return Delivery(digest, Outcome.FAILED, error=error)
    delivery = deliver(digest, connection=connection)
    if delivery.outcome == Outcome.FAILED:
        _close_quietly(connection)  # the next digest starts on a fresh connection
    return delivery


def _close_quietly(connection: Any) -> None:
    # Every message was accepted or failed on its own; an error while saying goodbye changes nothing.
    try:
        connection.close()
    except Exception as error:
        logger.warning("Closing the mail connection failed: %r", error)
