"""Link health: every evidence URL checked on a schedule, with an archived copy of its text.

A run plans a batch (`plan_batch`), fetches each URL once (commitments/fetching.py: public addresses
only, capped in time and size) and records what it found on every evidence row with that URL
(`record_result`):

- ok: a 2xx answer without redirects; redirected: reachable after redirects (final_url says where);
- broken: a 4xx/5xx answer, a DNS failure, a timeout or a refused connection, but only after
  TRACKER_LINK_BROKEN_AFTER failures in a row: until then the link keeps its status and is retried
  sooner (1 h, 6 h, 1 day, 3 days, never later than the regular interval);
- refused: the fetcher would not fetch it (not a public address, not http(s), robots.txt).

New evidence is checked within minutes (beat runs every TRACKER_LINK_CHECK_MINUTES, new links first),
then every TRACKER_LINK_CHECK_DAYS after a success. On success the page's main text (HTML reduced to
text by the importer's own parser, a PDF's text layer, plain text as is) is kept as an EvidenceArchive
when its SHA-256 differs from the latest copy; when it differs from the FIRST copy the link is flagged
"page changed since cited".

Two workers never check the same evidence or URL at once: planning takes turns (a transaction-level
advisory lock on PostgreSQL, a few milliseconds), skips rows another transaction holds (FOR UPDATE SKIP
LOCKED), leaves out URLs another batch has claimed, and claims what it takes (claimed_until = now +
TRACKER_LINK_CLAIM_MINUTES, so a crashed worker's batch is taken up again after that).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from commitments.choices import LinkStatus
from commitments.fetching import Fetcher, FetchResult, Outcome
from commitments.importer.sources import DocumentError, decode_text, html_to_text, pdf_to_text
from commitments.models import Evidence, EvidenceArchive, EvidenceLink

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock key under which planners take turns ("link" in ASCII).
PLAN_LOCK_KEY: Final = 0x6C696E6B
# Retry delays after the 1st, 2nd, 3rd, 4th failure in a row; then the regular interval (the cap).
BACKOFF: Final = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=3))
HTML_TYPES: Final = frozenset({"text/html", "application/xhtml+xml"})
HTML_STARTS: Final = (b"<!doctype html", b"<html")  # a page served without a content type
FAILURE_COUNT_MAX: Final = 32767  # the column's range


def check_interval() -> timedelta:
    return timedelta(days=max(1, int(settings.TRACKER_LINK_CHECK_DAYS)))


def broken_after() -> int:
    return max(1, int(settings.TRACKER_LINK_BROKEN_AFTER))


def lease() -> timedelta:
    return timedelta(minutes=max(1, int(settings.TRACKER_LINK_CLAIM_MINUTES)))


def retry_delay(failures: int) -> timedelta:
    """When to try again after `failures` failed checks in a row: sooner first, the interval at most."""
    delay = BACKOFF[failures - 1] if 0 < failures <= len(BACKOFF) else check_interval()
    return min(delay, check_interval())


# --- Planning -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedUrl:
    """One URL to fetch and the evidence rows (all claimed by this batch) that carry it."""

    url: str
    evidence_ids: tuple[int, ...]


@dataclass(frozen=True)
class Batch:
    urls: list[PlannedUrl]
    claimed_until: datetime | None

    @property
    def evidence_ids(self) -> list[int]:
        return [pk for planned in self.urls for pk in planned.evidence_ids]


def plan_batch(*, now: datetime | None = None, limit: int, checked_before: datetime | None = None) -> Batch:
    """Claim up to `limit` due evidence links (never-checked ones first) and group them by URL.

    Due: no link row yet (it is created here, bulk), or next_check_at <= now; with `checked_before`
    (`check_evidence --all`), every link not checked since that moment. Evidence whose URL another
    batch has claimed is left out; evidence sharing a URL with one planned here is claimed with it,
    so the URL is fetched once. At most seven statements (and a savepoint pair inside another
    transaction), whatever the number of rows.
    """
    now = now or timezone.now()
    if limit <= 0:
        return Batch([], None)
    until = now + lease()
    postgres = connection.vendor == "postgresql"
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [PLAN_LOCK_KEY])
        # Never checked: no row yet. Their rows are made here, so the claim below can hold them.
        missing = list(
            Evidence.objects.filter(link__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit]
        )
        if missing:
            EvidenceLink.objects.bulk_create(
                [EvidenceLink(evidence_id=pk, next_check_at=now) for pk in missing], ignore_conflicts=True
            )
        busy = list(
            EvidenceLink.objects.filter(claimed_until__gt=now)
            .order_by()
            .values_list("evidence__url", flat=True)
            .distinct()
        )
        due_now = Q(checked_at__isnull=True) | (
            Q(checked_at__lt=checked_before) if checked_before else Q(next_check_at__lte=now)
        )
        free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
        due = EvidenceLink.objects.filter(due_now, free).exclude(evidence__url__in=busy)
        if skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        first = list(
            due.order_by(F("checked_at").asc(nulls_first=True), "next_check_at", "pk").values_list(
                "evidence_id", "evidence__url"
            )[:limit]
        )
        if not first:
            return Batch([], None)
        taken = {pk for pk, _url in first}
        urls = list(dict.fromkeys(url for _pk, url in first))  # in the order planned
        # The same URL on other due evidence: one fetch answers for all of them.
        siblings = list(
            due.filter(evidence__url__in=urls)
            .exclude(evidence_id__in=taken)
            .order_by("pk")
            .values_list("evidence_id", "evidence__url")
        )
        rows = [*first, *siblings]
        EvidenceLink.objects.filter(evidence_id__in=[pk for pk, _url in rows]).update(claimed_until=until)
    by_url: dict[str, list[int]] = defaultdict(list)
    for pk, url in rows:
        by_url[url].append(pk)
    return Batch([PlannedUrl(url, tuple(by_url[url])) for url in urls], until)


# --- Recording ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchivedText:
    text: str
    sha256: str


def media_type(content_type: str) -> tuple[str, str]:
    """("text/html", "utf-8") of "text/html; charset=UTF-8"; the charset may be ""."""
    kind, _, params = content_type.partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    return kind.strip().lower(), charset


def _decode(body: bytes, charset: str, *, name: str, markup: bool) -> str:
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass  # an unknown charset: detect it as the importer does
    try:
        return decode_text(body, name=name, markup=markup)
    except DocumentError:
        return body.decode("utf-8", errors="replace")


def archive_text(result: FetchResult) -> ArchivedText | None:
    """The main text of a fetched page, or None for what has no text worth keeping (an image, a PDF
    without a text layer or cut by the size cap)."""
    kind, charset = media_type(result.content_type)
    body, name = result.body, result.final_url or result.url
    try:
        if kind in HTML_TYPES or (not kind and body.lstrip()[:14].lower().startswith(HTML_STARTS)):
            text = html_to_text(_decode(body, charset, name=name, markup=True), name=name)
        elif kind == "application/pdf" or body.startswith(b"%PDF-"):
            text = pdf_to_text(body, name=name)
        elif kind.startswith("text/"):
            text = _decode(body, charset, name=name, markup=False)
        else:
            return None
    except DocumentError:
        return None
    except Exception:  # a parser's bug must not stop the run; the link's health is still recorded
        logger.exception("Could not reduce %s (%s) to text", name, kind)
        return None
    text = text.replace("\x00", "")  # PostgreSQL's text cannot hold NUL
    if not text.strip():
        return None
    return ArchivedText(text, hashlib.sha256(text.encode("utf-8")).hexdigest())


@dataclass(frozen=True)
class Checked:
    """What one check recorded on one evidence row."""

    evidence_id: int
    status: str
    failed: bool
    archived: bool
    changed: bool


def _fits(url: str, limit: int = 2000) -> str:
    return url if len(url) <= limit else ""


def record_result(planned: PlannedUrl, result: FetchResult, *, at: datetime | None = None) -> list[Checked]:
    """Write what a fetch of `planned.url` found on each of its evidence rows, with an archived copy on
    success. Evidence deleted, or whose URL was corrected, since the plan is left alone."""
    at = at or timezone.now()
    archived = archive_text(result) if result.reachable else None
    checked: list[Checked] = []
    with transaction.atomic():
        links = EvidenceLink.objects.filter(
            evidence_id__in=planned.evidence_ids, evidence__url=planned.url
        ).order_by("pk")
        if connection.features.has_select_for_update:
            links = links.select_for_update(of=("self",))
        rows = list(links)
        hashes: dict[int, list[str]] = defaultdict(list)  # each evidence's archived hashes, oldest first
        if archived is not None and rows:
            for evidence_id, sha in (
                EvidenceArchive.objects.filter(evidence_id__in=[link.evidence_id for link in rows])
                .order_by("evidence_id", "fetched_at", "pk")
                .values_list("evidence_id", "sha256")
            ):
                hashes[evidence_id].append(sha)
        new_archives = []
        for link in rows:
            failed = _apply(link, result, at)
            is_new = changed = False
            if archived is not None:
                known = hashes.get(link.evidence_id, [])
                is_new = not known or known[-1] != archived.sha256
                if is_new:
                    new_archives.append(
                        EvidenceArchive(
                            evidence_id=link.evidence_id,
                            fetched_at=at,
                            url=_fits(result.final_url) or planned.url,
                            content_type=result.content_type[:200],
                            sha256=archived.sha256,
                            size=len(result.body),
                            truncated=result.truncated,
                            text=archived.text,
                        )
                    )
                link.changed_since_cited = bool(known) and known[0] != archived.sha256
                changed = link.changed_since_cited
            link.save()
            checked.append(Checked(link.evidence_id, link.status, failed, is_new, changed))
        EvidenceArchive.objects.bulk_create(new_archives)
    return checked


def _apply(link: EvidenceLink, result: FetchResult, at: datetime) -> bool:
    """Move one link to what the fetch found; True if it counts as a failure."""
    link.checked_at = at
    link.claimed_until = None
    link.http_status = result.status_code
    link.final_url = _fits(result.final_url)
    link.redirects = [[status, location] for status, location in result.redirects]
    link.content_type = result.content_type[:200]
    link.error = result.error[:300]
    if result.outcome == Outcome.REFUSED:
        link.status, link.failure_count = LinkStatus.REFUSED, 0
        link.next_check_at = at + check_interval()
        return False
    if result.outcome == Outcome.OK:
        link.status = LinkStatus.REDIRECTED if result.redirects else LinkStatus.OK
        link.failure_count = 0
        link.next_check_at = at + check_interval()
        return False
    link.failure_count = min(link.failure_count + 1, FAILURE_COUNT_MAX)
    if link.failure_count >= broken_after():
        link.status = LinkStatus.BROKEN
    link.next_check_at = at + retry_delay(link.failure_count)
    return True


# --- A run ----------------------------------------------------------------------------------------


@dataclass
class CheckSummary:
    """What a run did, per evidence row (one URL may stand for several)."""

    urls: int = 0
    checked: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    failing: int = 0  # failed, but not yet often enough to be broken
    archived: int = 0
    changed: int = 0

    def add(self, results: list[Checked]) -> None:
        self.urls += 1
        for item in results:
            self.checked += 1
            self.counts[item.status] = self.counts.get(item.status, 0) + 1
            self.failing += item.failed and item.status != LinkStatus.BROKEN
            self.archived += item.archived
            self.changed += item.changed

    def count(self, status: str) -> int:
        return self.counts.get(status, 0)

    def as_dict(self) -> dict[str, int]:
        return {
            "urls": self.urls,
            "checked": self.checked,
            **{
                status: self.count(status)
                for status in (s.value for s in LinkStatus)
                if status != "unchecked"
            },
            "failing": self.failing,
            "archived": self.archived,
            "changed": self.changed,
        }

    def lines(self) -> list[str]:
        return [
            f"checked     {self.checked} evidence link(s), {self.urls} URL(s) fetched",
            f"ok          {self.count(LinkStatus.OK)}",
            f"redirected  {self.count(LinkStatus.REDIRECTED)}",
            f"broken      {self.count(LinkStatus.BROKEN)}",
            f"failing     {self.failing} (failed, retried sooner; broken after "
            f"{broken_after()} failures in a row)",
            f"refused     {self.count(LinkStatus.REFUSED)}",
            f"archived    {self.archived} new archived cop{'y' if self.archived == 1 else 'ies'}",
            f"changed     {self.changed} page(s) changed since cited",
        ]


def check_evidence(
    *,
    limit: int | None = None,
    everything: bool = False,
    batch_size: int | None = None,
    fetcher: Fetcher | None = None,
) -> CheckSummary:
    """Check due evidence links (`everything`: all of them, once), batch after batch, until none is due
    or `limit` links were checked. The Celery task checks one batch; `manage.py check_evidence` all."""
    started = timezone.now()
    fetcher = fetcher or Fetcher()  # one per run: each host's robots.txt is read once
    size = max(1, batch_size or int(settings.TRACKER_LINK_CHECK_BATCH))
    summary = CheckSummary()
    while limit is None or summary.checked < limit:
        wanted = size if limit is None else min(size, limit - summary.checked)
        batch = plan_batch(limit=wanted, checked_before=started if everything else None)
        if not batch.urls:
            break
        for planned in batch.urls:
            try:
                result = fetcher.fetch(planned.url)
            except Exception:  # the fetcher answers for the network; anything else is a bug to log
                # Left claimed: tried again when the claim lapses, not over and over in this run.
                logger.exception("Checking %s failed", planned.url)
                continue
            summary.add(record_result(planned, result))
    logger.info("Evidence links: %s", summary.as_dict())
    return summary
