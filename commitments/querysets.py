"""Reads: each shape of query the admin, the API, the pages and the jobs need, defined once.

The models' managers are built from these querysets (`Manager.from_queryset`), so
`Commitment.objects.for_list()` and friends are typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.conf import settings
from django.db import connection, connections, models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Expression,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Left, Replace, RowNumber
from django.utils import timezone

from commitments.choices import FINAL_STATUSES, SuggestionState
from commitments.display import RATIONALE_PREVIEW_LENGTH
from commitments.exceptions import AppendOnlyError

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from commitments.models import (  # noqa: F401  (the querysets' row types)
        Commitment,
        CommitmentSector,
        Document,
        Evidence,
        EvidenceSuggestion,
        Reminder,
        Review,
        ReviewCitation,
        Section,
        Sector,
    )


def embed_limit() -> int:
    """How many reviews and pieces of evidence a commitment's detail shows, the latest first
    (settings.TRACKER_DETAIL_EMBED_LIMIT; at least 1): the API's detail and the admin's change page.
    The rest are a link away, so neither grows with a long history."""
    return max(1, int(settings.TRACKER_DETAIL_EMBED_LIMIT))


def review_intervals() -> dict[str, timedelta | None]:
    """Per-status review interval from settings.COMMITMENT_REVIEW_INTERVAL_DAYS (None = never stale)."""
    return {
        status: None if days is None else timedelta(days=days)
        for status, days in settings.COMMITMENT_REVIEW_INTERVAL_DAYS.items()
    }


def _late_for_review_condition(
    at: datetime, factor: int, status_field: str = "status", reviewed_field: str = "last_reviewed_at"
) -> Q:
    """Commitments whose last review (or creation) is older than `factor` × their status's interval.

    The field names can point at annotations, so reports can ask the question as of a past day.
    """
    condition = Q(pk__in=[])  # matches nothing: every status might be configured as never stale
    for status, interval in review_intervals().items():
        if interval is None:
            continue
        cutoff = at - interval * factor
        condition |= Q(**{status_field: status}) & (
            Q(**{f"{reviewed_field}__lt": cutoff})
            | Q(**{f"{reviewed_field}__isnull": True, "created_at__lt": cutoff})
        )
    return condition


def stale_condition(
    at: datetime | None = None, status_field: str = "status", reviewed_field: str = "last_reviewed_at"
) -> Q:
    """The one definition of "stale" (PRODUCT.md), for the admin filter, the API, reports and reminders."""
    return _late_for_review_condition(at or timezone.now(), 1, status_field, reviewed_field)


def escalation_condition(at: datetime | None = None) -> Q:
    """Stale for more than twice the interval: leads are copied on the reminder."""
    return _late_for_review_condition(at or timezone.now(), factor=2)


def overdue_condition(day: date | None = None, status_field: str = "status") -> Q:
    """The one definition of "overdue" (docs/method.md): past its target date on `day` (the site's today
    by default) and not in a final status. Apart from the status and from staleness: late is not the same
    as not achieved. No target date, never overdue; due today, not yet.

    `status_field` can point at an annotation, so reports can ask as of a past day.
    """
    finished = Q(**{f"{status_field}__in": sorted(FINAL_STATUSES)})
    return Q(target_date__lt=day or timezone.localdate()) & ~finished


def is_overdue(target_date: date | None, status: str, day: date | None = None) -> bool:
    """overdue_condition() for one row already in memory (a commitment read without the annotation)."""
    return (
        target_date is not None
        and target_date < (day or timezone.localdate())
        and status not in FINAL_STATUSES
    )


def is_stale(status: str, last_reviewed_at: datetime | None, created_at: datetime, at: datetime) -> bool:
    """stale_condition() for one row already in memory: its status's interval has passed since its last
    review, or since its creation if it was never reviewed."""
    interval = review_intervals().get(status)
    if interval is None:
        return False
    since = last_reviewed_at if last_reviewed_at is not None else created_at
    return since < at - interval


# Search folds these typographic characters to a plain one each (one for one, so PostgreSQL folds with
# a single translate(); migration 0012's trigger keeps exactly that expression, with these strings frozen).
_FOLDS = {
    "'": "\u2018\u2019\u201a\u201b\u2032\u02bc\uff07",  # ‘ ’ ‚ ‛ ′ ʼ ＇
    '"': "\u201c\u201d\u201e\u201f\u2033\uff02",  # “ ” „ ‟ ″ ＂
    "-": "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d",  # ‐ ‑ ‒ – — ― − ﹘ ﹣ －
    " ": "\u00a0\u202f",  # no-break spaces
}
TYPOGRAPHIC = "".join(_FOLDS.values())
PLAIN = "".join(plain * len(characters) for plain, characters in _FOLDS.items())
_PLAIN_FORMS = str.maketrans(TYPOGRAPHIC, PLAIN)


def _flag(condition: Q) -> Case:
    # CASE rather than the bare condition: NULL comparisons must read as False, not NULL.
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


_Row = TypeVar("_Row", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_Row]):
    """Bulk paths bypass Model.save()/delete(); close them too, so the record stays append-only."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(str(self.model._meta.verbose_name_plural).capitalize(), "changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(str(self.model._meta.verbose_name_plural).capitalize(), "deleted")


# --- The catalogue ------------------------------------------------------------------------


def _with_descendants(tree: Iterable[tuple[int, int | None]], roots: Iterable[int]) -> set[int]:
    """The `roots` and every node below them, given (node, parent) pairs; any depth, no recursion."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in tree:
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    frontier = list(roots)
    while frontier:
        pk = frontier.pop()
        if pk not in found:
            found.add(pk)
            frontier.extend(children.get(pk, []))
    return found


class DocumentQuerySet(models.QuerySet["Document"]):
    def for_list(self) -> DocumentQuerySet:
        """Documents with their commitment count; the full text stays in the database."""
        return self.defer("full_text").annotate(commitment_count=Count("commitments"))


class SectionQuerySet(models.QuerySet["Section"]):
    def subtree_ids(self, root: int) -> set[int]:
        """`root` and every section below it, among this queryset (one query, any depth)."""
        return _with_descendants(self.values_list("pk", "parent_id"), [root])

    def paths(self) -> dict[int, list[str]]:
        """Heading path (top level first) of every section in this queryset, in one query."""
        return _heading_paths(
            {pk: (parent, heading) for pk, parent, heading in self.values_list("pk", "parent_id", "heading")}
        )

    def keys_and_paths(self) -> dict[int, tuple[str, list[str]]]:
        """Key and heading path (top level first) of every section in this queryset, in one query."""
        rows = list(self.values_list("pk", "parent_id", "heading", "key"))
        paths = _heading_paths({pk: (parent, heading) for pk, parent, heading, _key in rows})
        return {pk: (key, paths[pk]) for pk, _parent, _heading, key in rows}


def _heading_paths(rows: dict[int, tuple[int | None, str]]) -> dict[int, list[str]]:
    """{section: (parent, heading)} -> {section: headings from the top level down to it}."""
    paths: dict[int, list[str]] = {}
    for pk in rows:
        path: list[str] = []
        current: int | None = pk
        while current is not None and current in rows and len(path) < 50:
            parent, heading = rows[current]
            path.append(heading)
            current = parent
        paths[pk] = path[::-1]
    return paths


class SectorQuerySet(models.QuerySet["Sector"]):
    def ids_with_descendants(self, slugs: Iterable[str]) -> set[int]:
        """Ids of the sectors named by slug and of everything below them (one query, any depth)."""
        wanted = set(slugs)
        rows = list(self.model.objects.values_list("pk", "slug", "parent_id"))
        roots = [pk for pk, slug, _parent in rows if slug in wanted]
        return _with_descendants(((pk, parent) for pk, _slug, parent in rows), roots)

    def for_list(self) -> SectorQuerySet:
        # Each sector names its parent and lists its children: fetched for the whole list at once.
        return self.select_related("parent").prefetch_related("children").order_by("position", "name")

    def as_tree(self) -> list[tuple[Sector, int]]:
        """Every sector with its depth, parents before their children, in display order (one query)."""
        by_parent: dict[int | None, list[Sector]] = {}
        for sector in self.order_by("position", "name"):
            by_parent.setdefault(sector.parent_id, []).append(sector)
        tree: list[tuple[Sector, int]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for sector in by_parent.get(parent_id, []):
                tree.append((sector, depth))
                walk(sector.pk, depth + 1)

        walk(None, 0)
        return tree


# --- Commitments --------------------------------------------------------------------------


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def for_list(self, at: datetime | None = None) -> CommitmentQuerySet:
        """The shape every list of commitments uses: one query, however many rows."""
        return self._listed(at).with_primary_sector()

    def _listed(self, at: datetime | None = None) -> CommitmentQuerySet:
        return (
            # The list shows the document, owner and section of every row: join them, but not the
            # document's full text, which no list shows.
            self.select_related("document", "section", "owner")
            .defer("document__full_text")
            .with_staleness(at)
            .with_overdue(timezone.localdate(at) if at is not None else None)
        )

    def with_primary_sector(self) -> CommitmentQuerySet:
        """primary_sector_slug / primary_sector_name: a commitment counts once, under its primary sector."""
        from commitments.models import CommitmentSector

        primary = CommitmentSector.objects.filter(commitment=OuterRef("pk"), is_primary=True)
        return self.annotate(
            primary_sector_slug=Subquery(primary.values("sector__slug")[:1]),
            primary_sector_name=Subquery(primary.values("sector__name")[:1]),
        )

    def with_latest_review(
        self, before: datetime | None = None, **fields: str | Expression
    ) -> CommitmentQuerySet:
        """Annotate each name in `fields` with that field (or expression) of the latest review.

        `before` replays the history: the latest review before that moment (reports `as_of`).
        """
        from commitments.models import Review

        latest = Review.objects.filter(commitment=OuterRef("pk"))
        if before is not None:
            latest = latest.filter(reviewed_at__lt=before)
        latest = latest.order_by("-reviewed_at", "-pk")
        return self.annotate(
            **{
                name: Subquery(latest.annotate(_value=value).values("_value")[:1])
                if isinstance(value, Expression)
                else Subquery(latest.values(value)[:1])
                for name, value in fields.items()
            }
        )

    def with_staleness(self, at: datetime | None = None) -> CommitmentQuerySet:
        return self.annotate(is_stale=_flag(stale_condition(at)))

    def stale(self, at: datetime | None = None) -> CommitmentQuerySet:
        return self.filter(stale_condition(at))

    def fresh(self, at: datetime | None = None) -> CommitmentQuerySet:
        return self.exclude(stale_condition(at))

    def with_overdue(self, day: date | None = None) -> CommitmentQuerySet:
        """Annotate is_overdue (overdue_condition): the row's own columns, no join."""
        return self.annotate(is_overdue=_flag(overdue_condition(day)))

    def overdue(self, day: date | None = None) -> CommitmentQuerySet:
        return self.filter(overdue_condition(day))

    def not_overdue(self, day: date | None = None) -> CommitmentQuerySet:
        # exclude(): a commitment without a target date is "not overdue", not unknown.
        return self.exclude(overdue_condition(day))

    def in_sectors(self, slugs: Iterable[str]) -> CommitmentQuerySet:
        """Commitments whose primary or secondary sector is one of `slugs` or below one of them."""
        from commitments.models import CommitmentSector, Sector

        sector_ids = Sector.objects.ids_with_descendants(slugs)
        links = CommitmentSector.objects.filter(commitment=OuterRef("pk"), sector_id__in=sector_ids)
        return self.filter(Exists(links))

    def owned_by(self, user: AbstractBaseUser | AnonymousUser) -> CommitmentQuerySet:
        return self.filter(owner_id=user.pk)

    def owners(self) -> list[tuple[int, str]]:
        """(id, username) of everyone who owns one of these commitments, by username.

        An index probe per account rather than DISTINCT over the commitments: filter forms ask this on
        every view, and there are far fewer people than commitments.
        """
        from django.contrib.auth import get_user_model

        owns = Exists(self.order_by().filter(owner=OuterRef("pk")))
        people = get_user_model().objects.filter(owns).order_by("username")
        return list(people.values_list("pk", "username"))

    # --- Reminders ---

    def snoozed(self, on: date) -> CommitmentQuerySet:
        """Snoozed on day `on`: no reminders about them until their snoozed_until day."""
        return self.filter(snoozed_until__gt=on)

    def not_snoozed(self, on: date) -> CommitmentQuerySet:
        return self.filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=on))

    def for_reminders(self, at: datetime, day: date) -> CommitmentQuerySet:
        """What the daily digest covers: stale as of `at`, not snoozed on `day`, escalation flagged.

        Staleness is stale_condition() itself, so the digest, the admin filter and the API agree;
        a snoozed commitment is still stale there, it is only not reminded about.
        """
        return self.stale(at).not_snoozed(day).annotate(is_escalated=_flag(escalation_condition(at)))

    # --- The API ---

    def with_evidence_count(self) -> CommitmentQuerySet:
        from commitments.models import Evidence

        evidence = (
            Evidence.objects.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(evidence_count=Coalesce(Subquery(evidence), 0))

    def for_api(self, at: datetime | None = None) -> CommitmentQuerySet:
        """for_list() plus what an API item shows: sectors, evidence count and (Commitment.latest_review)
        the latest review."""
        from commitments.models import CommitmentSector, Review

        return (
            self.for_list(at)
            .with_evidence_count()
            # Every item lists its sectors and its latest review: one query each for the whole page.
            .prefetch_related(
                # Into lists (to_attr): a prefetch into the related manager builds a queryset per row.
                Prefetch("sector_links", queryset=CommitmentSector.objects.in_order(), to_attr=SECTOR_LINKS),
                Prefetch("reviews", queryset=Review.objects.latest_of_each(), to_attr=LATEST_REVIEWS),
            )
        )

    def with_review_count(self) -> CommitmentQuerySet:
        from commitments.models import Review

        reviews = (
            Review.objects.filter(commitment=OuterRef("pk"))
            .order_by()
            .values("commitment")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(review_count=Coalesce(Subquery(reviews), 0))

    def for_detail(self) -> CommitmentQuerySet:
        """for_api() plus all evidence and the whole history with its citations (no query per row):
        the public page. The API's detail reads for_api_detail(), which is bounded."""
        from commitments.models import Evidence, Review

        return self.for_api().prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.for_list()),
            Prefetch("reviews", queryset=Review.objects.for_list()),
        )

    def for_api_detail(self) -> CommitmentQuerySet:
        """What the API's detail of a commitment shows, beyond its own columns and those of its document,
        section and owner: its sectors, how many pieces of evidence and reviews it has.

        Its stale and overdue flags are worked out from the row (Commitment.stale, overdue), and its
        first embed_limit() pieces of evidence and latest reviews are read when shown
        (Commitment.recent_evidence, recent_reviews; the latest review is the first of those): a LIMIT
        over an index each, bounded however long the history. For the one commitment a detail shows,
        that costs much less to build than prefetches that number each commitment's rows
        (ROW_NUMBER() OVER (PARTITION BY ...)) and a CASE over every status's cutoff.
        """
        from commitments.models import CommitmentSector

        return (
            self.select_related("document", "section", "owner")
            .defer("document__full_text")
            .with_evidence_count()
            .with_review_count()
            .prefetch_related(
                Prefetch("sector_links", queryset=CommitmentSector.objects.in_order(), to_attr=SECTOR_LINKS),
            )
        )

    def search(self, terms: str) -> CommitmentQuerySet:
        """Keyword search: ranked full text on PostgreSQL (annotates search_rank), words AND-ed elsewhere.

        Typographic quotes, dashes and no-break spaces are folded to their plain forms in the stored text
        and in the query alike, so `Chang’e–7` (as official sites print it) and `Chang'e-7` find the same.
        """
        terms = terms.translate(_PLAIN_FORMS).replace("\x00", " ").strip()
        if not terms:
            return self
        exact_reference = Q(reference__iexact=terms)
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank

            # search_document: the weighted, folded text a trigger keeps (migration 0012).
            query = SearchQuery(terms, search_type="websearch", config="english")
            return self.annotate(search_rank=SearchRank(F("search_document"), query)).filter(
                Q(search_document=query) | exact_reference
            )

        # Elsewhere (SQLite has no translate()): one replace() per character; every word must appear in
        # the reference, the text or the lead-in, as PostgreSQL's vector holds all three.
        def replaced(field: str) -> Any:
            folded: Any = F(field)
            for character, replacement in zip(TYPOGRAPHIC, PLAIN, strict=True):
                folded = Replace(folded, Value(character), Value(replacement), output_field=TextField())
            return folded

        words = Q()
        for word in terms.split():
            words &= (
                Q(search_text__icontains=word)
                | Q(search_lead_in__icontains=word)
                | Q(reference__icontains=word)
            )
        return self.alias(search_text=replaced("text"), search_lead_in=replaced("lead_in")).filter(
            words | exact_reference
        )

    def in_order_of(self, ids: list[int]) -> list[Commitment]:
        """The commitments with these ids, in that order (a page chosen by an earlier, narrower query)."""
        by_id = {commitment.pk: commitment for commitment in self.filter(pk__in=ids)} if ids else {}
        return [by_id[pk] for pk in ids if pk in by_id]

    def list_rows(self, ids: list[int], at: datetime | None = None) -> list[dict[str, Any]]:
        """The rows of a list page with these ids, in that order, as plain values: what an API list item
        shows (api.serializers.list_item), without building a model instance per commitment, document,
        section, owner, sector link, sector, review and reviewer (some 500 for a page of 50).

        Keys: id, reference, text, lead_in, document_id, document_slug, section_id, section_key,
        section_path, status, priority, target_date, last_reviewed_at, owner_username, evidence_count,
        is_stale, is_overdue, sectors [(slug, name, primary)] and latest_review (a dict or None).

        On PostgreSQL one hand-written statement reads the page (_PAGE_ROWS_SQL: building the ORM's three
        statements cost more than running them), each row's section key and heading path by an index probe
        per level (a join to the sections made PostgreSQL hash the whole table). Elsewhere, or on a
        filtered queryset, the ORM's three (page_rows_by_orm), which a test holds equal, and one query for
        the sections of the page's documents. The stale and overdue flags are worked out from each row's
        own columns (is_stale, is_overdue), as of one moment.
        """
        if not ids:
            return []
        from commitments.models import Section

        at = at or timezone.now()
        day = timezone.localdate(at)
        if connections[self.db].vendor == "postgresql" and not self.query.where:
            rows = _page_rows_in_one_statement(ids, self.db)
        else:
            rows = self.page_rows_by_orm(ids)
            documents = {row["document_id"] for row in rows.values()}
            sections = Section.objects.filter(document_id__in=documents).keys_and_paths() if documents else {}
            for row in rows.values():
                row["section_key"], row["section_path"] = sections.get(row["section_id"], (None, []))
        for row in rows.values():
            row["is_stale"] = is_stale(row["status"], row["last_reviewed_at"], row.pop("created_at"), at)
            row["is_overdue"] = is_overdue(row["target_date"], row["status"], day)
        return [rows[pk] for pk in ids if pk in rows]

    def page_rows_by_orm(self, ids: list[int]) -> dict[int, dict[str, Any]]:
        """{id: the columns list_rows() reads} for these of the commitments, in three queries: the
        commitments with their document and owner names and evidence counts, their sectors (primary
        first), their latest reviews."""
        from commitments.models import CommitmentSector, Review

        commitments = (
            self.filter(pk__in=ids)
            .with_evidence_count()
            .order_by()
            .values(
                *_PAGE_COLUMNS,
                document_slug=F("document__slug"),
                owner_username=F("owner__username"),
            )
        )
        rows = {row["id"]: {**row, "sectors": [], "latest_review": None} for row in commitments}
        links = CommitmentSector.objects.filter(commitment_id__in=ids).in_order()
        for commitment_id, *sector in links.values_list(
            "commitment_id", "sector__slug", "sector__name", "is_primary"
        ):
            if commitment_id in rows:
                rows[commitment_id]["sectors"].append(tuple(sector))
        latest = (
            Review.objects.filter(commitment_id__in=ids)
            .latest_per_commitment()
            .values(
                *_LATEST_REVIEW_COLUMNS[:-2],
                reviewer_username=F("reviewer__username"),
                rationale_preview=Left("rationale", RATIONALE_PREVIEW_LENGTH),
            )
        )
        for review in latest:
            if review["commitment_id"] in rows:
                rows[review["commitment_id"]]["latest_review"] = review
        return rows

    def detail_row(self, lookup: str, at: datetime | None = None) -> dict[str, Any] | None:
        """The commitment whose reference (or, for digits, id) is `lookup`, as the API's detail shows it,
        as plain values; None if there is none. A reference match wins over an id match.

        The keys of list_rows() (the latest review is the first of `reviews`), and version,
        document_title, start_offset, end_offset, updated_at, review_count, `evidence` (its first
        embed_limit() pieces, EVIDENCE_ORDER) and `reviews` (its latest embed_limit(), newest first, each
        with the ids of the evidence it cites), as EVIDENCE_VALUES and REVIEW_VALUES name them.

        On PostgreSQL one hand-written statement (_DETAIL_SQL): building the ORM's six statements cost
        three times as much as running them. Elsewhere the ORM's (detail_row_by_orm), which a test holds
        equal.
        """
        at = at or timezone.now()
        if connections[self.db].vendor == "postgresql" and not self.query.where:
            row = _detail_row_in_one_statement(lookup, self.db)
        else:
            row = self.detail_row_by_orm(lookup)
        if row is None:
            return None
        latest = row["reviews"][:1]
        row["latest_review"] = None
        for review in latest:
            row["latest_review"] = {
                **{key: review[key] for key in _LATEST_REVIEW_COLUMNS[:-2] if key != "commitment_id"},
                "commitment_id": row["id"],
                "reviewer_username": review["reviewer_username"],
                "rationale_preview": review["rationale"][:RATIONALE_PREVIEW_LENGTH],
            }
        row["is_stale"] = is_stale(row["status"], row["last_reviewed_at"], row.pop("created_at"), at)
        row["is_overdue"] = is_overdue(row["target_date"], row["status"], timezone.localdate(at))
        return row

    def detail_row_by_orm(self, lookup: str) -> dict[str, Any] | None:
        """detail_row()'s values by the ORM (what the one statement stands for), before the latest review
        and the stale and overdue flags are worked out: six queries."""
        from commitments.models import CommitmentSector, Evidence, Review, ReviewCitation, Section

        named = Q(reference=lookup)
        if lookup.isdigit() and len(lookup) < 19:
            named |= Q(pk=int(lookup))
        found = list(
            self.filter(named)
            .with_evidence_count()
            .with_review_count()
            .order_by()
            .values(
                *_PAGE_COLUMNS, *_DETAIL_COLUMNS,
                document_slug=F("document__slug"),
                owner_username=F("owner__username"),
                document_title=F("document__title"),
            )[:2]
        )  # fmt: skip
        found.sort(key=lambda match: match["reference"] != lookup)  # a reference match first
        if not found:
            return None
        row: dict[str, Any] = found[0]
        pk = row["id"]
        links = CommitmentSector.objects.filter(commitment_id=pk).in_order()
        row["sectors"] = list(links.values_list("sector__slug", "sector__name", "is_primary"))
        sections = Section.objects.filter(document_id=row["document_id"]).keys_and_paths()
        row["section_key"], row["section_path"] = sections.get(row["section_id"], (None, []))
        evidence = (
            Evidence.objects.filter(commitment_id=pk)
            .in_detail()
            .values(
                *EVIDENCE_VALUES[:8], "created_at", "is_cited",
                added_by_username=F("added_by__username"),
                link_status=F("link__status"),
                final_url=F("link__final_url"),
                checked_at=F("link__checked_at"),
                is_archived=F("has_archive"),
            )[: embed_limit()]
        )  # fmt: skip
        row["evidence"] = [{key: item[key] for key in EVIDENCE_VALUES} for item in evidence]
        reviews = (
            Review.objects.filter(commitment_id=pk)
            .order_by(*NEWEST_REVIEWS_FIRST)
            .values(
                "id", "reviewed_at", "status_before", "status_after", "rationale", "method_version",
                reviewer_username=F("reviewer__username"),
            )[: embed_limit()]
        )  # fmt: skip
        row["reviews"] = [
            {key: cast(dict[str, Any], review)[key] for key in REVIEW_VALUES[:-1]} | {"evidence": []}
            for review in reviews
        ]
        cited: dict[int, list[int]] = {review["id"]: review["evidence"] for review in row["reviews"]}
        # The evidence each cites, in EVIDENCE_ORDER (all three keys descending).
        citations = (
            ReviewCitation.objects.filter(review_id__in=cited)
            .order_by(*(f"-evidence__{key.lstrip('-')}" for key in EVIDENCE_ORDER))
            .values_list("review_id", "evidence_id")
        )
        for review_id, evidence_id in citations:
            cited[review_id].append(evidence_id)
        return row

    def count_by_section(self) -> dict[int, int]:
        """{section id: number of these commitments in it} (one grouped query)."""
        rows = self.filter(section__isnull=False).order_by().values_list("section_id").annotate(n=Count("pk"))
        return dict(rows)


# The columns of a list row (CommitmentQuerySet.list_rows), then those of its latest review.
_PAGE_COLUMNS = (
    "id",
    "reference",
    "text",
    "lead_in",
    "document_id",
    "section_id",
    "status",
    "priority",
    "target_date",
    "last_reviewed_at",
    "created_at",
    "evidence_count",
)
_LATEST_REVIEW_COLUMNS = (
    "id",
    "commitment_id",
    "reviewed_at",
    "status_before",
    "status_after",
    "reviewer_username",
    "rationale_preview",
)
# A commitment's section's headings, top level first (SectionQuerySet.paths), walked up from it: an index
# probe per level.
_SECTION_PATH_SQL = """(
        WITH RECURSIVE up (id, parent_id, heading, depth) AS (
             SELECT id, parent_id, heading, 0 FROM commitments_section WHERE id = c.section_id
              UNION ALL
             SELECT p.id, p.parent_id, p.heading, up.depth + 1
               FROM commitments_section p JOIN up ON p.id = up.parent_id
              WHERE up.depth < 49
        )
        SELECT array_agg(heading ORDER BY depth DESC) FROM up)"""
# What page_rows_by_orm() reads in three statements, in one: the sectors as a JSON array, primary first
# (CommitmentSectorQuerySet.in_order), and the latest review through the (commitment, -reviewed_at) index,
# ties to the later id (ReviewQuerySet.latest_per_commitment).
_PAGE_ROWS_SQL = (
    """
SELECT c.id, c.reference, c.text, c.lead_in, c.document_id, c.section_id, c.status, c.priority,
       c.target_date, c.last_reviewed_at, c.created_at,
       (SELECT count(*) FROM commitments_evidence e WHERE e.commitment_id = c.id),
       d.slug, u.username,
       (SELECT json_agg(json_build_array(s.slug, s.name, cs.is_primary)
                        ORDER BY cs.is_primary DESC, s.position, s.name)
          FROM commitments_commitmentsector cs JOIN commitments_sector s ON s.id = cs.sector_id
         WHERE cs.commitment_id = c.id),
       r.id, c.id, r.reviewed_at, r.status_before, r.status_after, ru.username, left(r.rationale, %s),
       (SELECT key FROM commitments_section WHERE id = c.section_id),
       """
    + _SECTION_PATH_SQL
    + """
  FROM commitments_commitment c
  JOIN commitments_document d ON d.id = c.document_id
  LEFT JOIN auth_user u ON u.id = c.owner_id
  LEFT JOIN LATERAL (
        SELECT r.id, r.reviewed_at, r.status_before, r.status_after, r.reviewer_id, r.rationale
          FROM commitments_review r
         WHERE r.commitment_id = c.id
         ORDER BY r.reviewed_at DESC, r.id DESC
         LIMIT 1
       ) r ON true
  LEFT JOIN auth_user ru ON ru.id = r.reviewer_id
 WHERE c.id = ANY(%s)
"""
)


def _page_rows_in_one_statement(ids: list[int], using: str) -> dict[int, dict[str, Any]]:
    """page_rows_by_orm() on PostgreSQL, in one statement (_PAGE_ROWS_SQL), with each row's section key
    and heading path."""
    with connections[using].cursor() as cursor:
        cursor.execute(_PAGE_ROWS_SQL, [RATIONALE_PREVIEW_LENGTH, ids])
        found = cursor.fetchall()
    rows: dict[int, dict[str, Any]] = {}
    for values in found:
        row = dict(zip(_PAGE_COLUMNS, values[:12], strict=True))
        row["document_slug"], row["owner_username"] = values[12], values[13]
        row["sectors"] = [tuple(link) for link in values[14] or []]
        review = values[15:22]
        row["latest_review"] = (
            None if review[0] is None else dict(zip(_LATEST_REVIEW_COLUMNS, review, strict=True))
        )
        row["section_key"], row["section_path"] = values[22], values[23] or []
        rows[row["id"]] = row
    return rows


# What a detail shows of each piece of evidence and of each review (CommitmentQuerySet.detail_row), in the
# order _DETAIL_SQL reads them.
EVIDENCE_VALUES = (
    "id",
    "url",
    "title",
    "publisher",
    "published_on",
    "kind",
    "signal",
    "excerpt",
    "added_by_username",
    "created_at",
    "is_cited",
    "link_status",
    "final_url",
    "checked_at",
    "is_archived",
)
REVIEW_VALUES = (
    "id",
    "reviewed_at",
    "status_before",
    "status_after",
    "reviewer_username",
    "rationale",
    "method_version",
    "evidence",
)
# detail_row_by_orm() in one statement: a list row's columns (as _PAGE_ROWS_SQL, without the latest
# review, which is the first of the reviews), then the detail's own; the section's heading path walked up
# from it; the first embed_limit() pieces of evidence and latest reviews each through its index (a LIMIT),
# as JSON arrays in EVIDENCE_VALUES and REVIEW_VALUES order.
_DETAIL_SQL = (
    """
SELECT c.id, c.reference, c.text, c.lead_in, c.document_id, c.section_id, c.status, c.priority,
       c.target_date, c.last_reviewed_at, c.created_at,
       (SELECT count(*) FROM commitments_evidence e WHERE e.commitment_id = c.id),
       d.slug, u.username,
       (SELECT json_agg(json_build_array(s.slug, s.name, cs.is_primary)
                        ORDER BY cs.is_primary DESC, s.position, s.name)
          FROM commitments_commitmentsector cs JOIN commitments_sector s ON s.id = cs.sector_id
         WHERE cs.commitment_id = c.id),
       c.version, c.start_offset, c.end_offset, c.updated_at,
       (SELECT count(*) FROM commitments_review r WHERE r.commitment_id = c.id),
       d.title, sec.key,
       """
    + _SECTION_PATH_SQL
    + """,
       (SELECT json_agg(json_build_array(
                   e.id, e.url, e.title, e.publisher, e.published_on, e.kind, e.signal, e.excerpt,
                   au.username, e.created_at,
                   EXISTS (SELECT 1 FROM commitments_reviewcitation rc WHERE rc.evidence_id = e.id),
                   l.status, l.final_url, l.checked_at,
                   EXISTS (SELECT 1 FROM commitments_evidencearchive a WHERE a.evidence_id = e.id))
                   ORDER BY e.published_on DESC, e.created_at DESC, e.id DESC)
          FROM (SELECT * FROM commitments_evidence e WHERE e.commitment_id = c.id
                 ORDER BY e.published_on DESC, e.created_at DESC, e.id DESC LIMIT %(limit)s) e
          LEFT JOIN auth_user au ON au.id = e.added_by_id
          LEFT JOIN commitments_evidencelink l ON l.evidence_id = e.id),
       (SELECT json_agg(json_build_array(
                   v.id, v.reviewed_at, v.status_before, v.status_after, vu.username, v.rationale,
                   v.method_version,
                   ARRAY(SELECT rc.evidence_id
                           FROM commitments_reviewcitation rc
                           JOIN commitments_evidence ce ON ce.id = rc.evidence_id
                          WHERE rc.review_id = v.id
                          ORDER BY ce.published_on DESC, ce.created_at DESC, ce.id DESC))
                   ORDER BY v.reviewed_at DESC, v.id DESC)
          FROM (SELECT * FROM commitments_review v WHERE v.commitment_id = c.id
                 ORDER BY v.reviewed_at DESC, v.id DESC LIMIT %(limit)s) v
          JOIN auth_user vu ON vu.id = v.reviewer_id)
  FROM commitments_commitment c
  JOIN commitments_document d ON d.id = c.document_id
  LEFT JOIN commitments_section sec ON sec.id = c.section_id
  LEFT JOIN auth_user u ON u.id = c.owner_id
 WHERE c.reference = %(reference)s OR c.id = %(id)s
 ORDER BY c.reference = %(reference)s DESC
 LIMIT 1
"""
)
_DETAIL_COLUMNS = ("version", "start_offset", "end_offset", "updated_at", "review_count")
_EVIDENCE_TYPES = {
    "published_on": date.fromisoformat,
    "created_at": datetime.fromisoformat,
    "checked_at": datetime.fromisoformat,
}
_REVIEW_TYPES = {"reviewed_at": datetime.fromisoformat}


def _detail_row_in_one_statement(lookup: str, using: str) -> dict[str, Any] | None:
    """detail_row_by_orm() on PostgreSQL, in one statement (_DETAIL_SQL)."""
    pk = int(lookup) if lookup.isdigit() and len(lookup) < 19 else None
    with connections[using].cursor() as cursor:
        cursor.execute(_DETAIL_SQL, {"reference": lookup, "id": pk, "limit": embed_limit()})
        values = cursor.fetchone()
    if values is None:
        return None
    row = dict(zip(_PAGE_COLUMNS, values[:12], strict=True))
    row["document_slug"], row["owner_username"] = values[12], values[13]
    row["sectors"] = [tuple(link) for link in values[14] or []]
    row.update(zip(_DETAIL_COLUMNS, values[15:20], strict=True))
    row["document_title"], row["section_key"], row["section_path"] = values[20], values[21], values[22] or []
    # JSON carries dates and times as ISO 8601 text (the connection's time zone is UTC).
    row["evidence"] = [
        _typed(dict(zip(EVIDENCE_VALUES, item, strict=True)), _EVIDENCE_TYPES) for item in values[23] or []
    ]
    row["reviews"] = [
        _typed(dict(zip(REVIEW_VALUES, item, strict=True)), _REVIEW_TYPES) for item in values[24] or []
    ]
    return row


def _typed(values: dict[str, Any], types: dict[str, Any]) -> dict[str, Any]:
    for key, parse in types.items():
        if values[key] is not None:
            values[key] = parse(values[key])
    return values


class CommitmentExportReader:
    """Reads commitments for the CSV export a chunk of ids at a time (exports.commitment_rows).

    A chunk costs four index-driven queries whatever its size: the commitments' own columns (with the
    stale and overdue flags, as of one moment for the whole file), their primary sectors, evidence counts
    and latest rationales. Names shown by id (documents, sections, owners, sectors) are read once per
    file, as they first appear. Correlated subqueries per row cost five times as much at 100k rows.
    """

    def __init__(self, at: datetime) -> None:
        self.at = at
        self._names: dict[str, dict[int, str]] = {"document": {}, "section": {}, "owner": {}, "sector": {}}

    def rows(self, ids: list[int]) -> dict[int, tuple[Any, ...]]:
        """{id: (reference, document slug, section heading, text, primary sector slug, status, owner's
        username, priority, target date, last review time, stale, overdue, evidence count, latest
        rationale)}."""
        from commitments.models import Commitment, CommitmentSector, Evidence, Review

        own = list(
            Commitment.objects.filter(pk__in=ids)
            .order_by()
            .with_staleness(self.at)
            .with_overdue(timezone.localdate(self.at))
            .values_list(  # type: ignore[misc]  # the stubs do not see the annotations
                "pk", "reference", "document_id", "section_id", "text", "status", "owner_id", "priority",
                "target_date", "last_reviewed_at", "is_stale", "is_overdue",
            )
        )  # fmt: skip
        primary = dict(
            CommitmentSector.objects.filter(commitment_id__in=ids, is_primary=True).values_list(
                "commitment_id", "sector_id"
            )
        )
        evidence = dict(
            Evidence.objects.filter(commitment_id__in=ids)
            .order_by()
            .values("commitment_id")
            .annotate(n=Count("pk"))
            .values_list("commitment_id", "n")
        )
        rationale = dict(
            Review.objects.filter(commitment_id__in=ids)
            .latest_per_commitment()
            .values_list("commitment_id", "rationale")
        )
        documents = self._named("document", {row[2] for row in own})
        sections = self._named("section", {row[3] for row in own})
        owners = self._named("owner", {row[6] for row in own})
        sectors = self._named("sector", set(primary.values()))
        return {
            pk: (
                reference,
                documents[document_id],
                sections.get(section_id, ""),
                text,
                sectors.get(primary.get(pk, 0), ""),
                status,
                owners.get(owner_id, ""),
                priority,
                target_date,
                reviewed_at,
                stale,
                overdue,
                evidence.get(pk, 0),
                rationale.get(pk, ""),
            )
            for (pk, reference, document_id, section_id, text, status, owner_id, priority, target_date,
                 reviewed_at, stale, overdue) in own
        }  # fmt: skip

    def _named(self, kind: str, wanted: set[Any]) -> dict[int, str]:
        from django.contrib.auth import get_user_model

        from commitments.models import Document, Section, Sector

        known = self._names[kind]
        missing = {pk for pk in wanted if pk is not None and pk not in known}
        if missing:
            source: dict[str, tuple[Any, str]] = {
                "document": (Document.objects, "slug"),
                "section": (Section.objects, "heading"),
                "owner": (get_user_model().objects, "username"),
                "sector": (Sector.objects, "slug"),
            }
            manager, field = source[kind]
            known.update(manager.filter(pk__in=missing).values_list("pk", field))
        return known


# --- Evidence and the record --------------------------------------------------------------


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def for_list(self) -> EvidenceQuerySet:
        """Evidence as lists show it: its commitment, who added it, whether a review cites it."""
        # Each row names its commitment and who added it: join them (not the commitment's text).
        joined = self.select_related("commitment", "added_by").defer(
            "commitment__text", "commitment__lead_in", "commitment__search_document"
        )
        return joined.with_citation_flag().with_link_health()

    def in_detail(self) -> EvidenceQuerySet:
        """A commitment's evidence as its detail lists it (EVIDENCE_ORDER): who added it, whether a review
        cites it. Read through the commitment (its prefetch or its `evidence` manager), which every row
        then points at: no join for it."""
        joined = self.select_related("added_by").with_citation_flag().with_link_health()
        return joined.order_by(*EVIDENCE_ORDER)

    def cited(self) -> EvidenceQuerySet:
        """Evidence some review cites: part of the record, frozen."""
        from commitments.models import ReviewCitation

        return self.filter(Exists(ReviewCitation.objects.filter(evidence=OuterRef("pk"))))

    def with_citation_flag(self) -> EvidenceQuerySet:
        """Annotate is_cited, so a list can show which rows are frozen without a query per row."""
        from commitments.models import ReviewCitation

        return self.annotate(is_cited=Exists(ReviewCitation.objects.filter(evidence=OuterRef("pk"))))

    def with_link_health(self) -> EvidenceQuerySet:
        """Its link's last check (Evidence.link_health, joined: no row means never checked) and whether an
        archived copy exists (has_archive, Evidence.is_archived): no query per row."""
        from commitments.models import EvidenceArchive

        return self.select_related("link").annotate(
            has_archive=Exists(EvidenceArchive.objects.filter(evidence=OuterRef("pk")))
        )

    def with_dead_link(self) -> EvidenceQuerySet:
        """Evidence whose link the checker found broken (commitments/linkcheck.py)."""
        from commitments.choices import LinkStatus

        return self.filter(link__status=LinkStatus.BROKEN)


# How a commitment's evidence is listed (newest publication first; as Evidence.Meta.ordering, with the id
# breaking ties) and its reviews newest first (as Review.Meta.ordering): a detail shows the first rows of
# each in this order.
EVIDENCE_ORDER = ("-published_on", "-created_at", "-pk")
NEWEST_REVIEWS_FIRST = ("-reviewed_at", "-pk")

# Where for_api() puts each commitment's latest review (a list of at most one; Commitment.latest_review)
# and its sectors (Commitment.sectors_in_order).
LATEST_REVIEWS = "latest_reviews"
SECTOR_LINKS = "sector_links_in_order"
# Where Commitment.recent_evidence and recent_reviews keep the first rows of each they read.
RECENT_EVIDENCE = "recent_evidence_list"
RECENT_REVIEWS = "recent_reviews_list"
# Where ReviewQuerySet.for_list() puts the evidence each review cites (Review.cited_evidence).
CITED_EVIDENCE = "cited_evidence_list"


class CommitmentSectorQuerySet(models.QuerySet["CommitmentSector"]):
    def in_order(self) -> CommitmentSectorQuerySet:
        """With their sectors, the primary first, then in the taxonomy's order."""
        return self.select_related("sector").order_by("-is_primary", "sector__position", "sector__name")


class ReviewQuerySet(AppendOnlyQuerySet["Review"]):
    def latest_per_commitment(self) -> ReviewQuerySet:
        """Of these reviews, each commitment's latest (by time, then id, as with_latest_review()).

        One pass over the reviews instead of a subquery per commitment: DISTINCT ON where the database
        has it (one sort), elsewhere the reviews numbered newest first within each commitment. Filter
        first (a page's commitments, a moment); the order is part of the answer: do not reorder it.
        """
        if connections[self.db].features.can_distinct_on_fields:
            return self.order_by("commitment_id", "-reviewed_at", "-pk").distinct("commitment_id")
        newest_first = Window(
            RowNumber(), partition_by=F("commitment_id"), order_by=[F("reviewed_at").desc(), F("pk").desc()]
        )
        return self.order_by().annotate(newest_rank=newest_first).filter(newest_rank=1)

    def latest_of_each(self) -> ReviewQuerySet:
        """The latest review of each commitment as a list row shows it: its reviewer's name and the
        rationale's first RATIONALE_PREVIEW_LENGTH characters (`rationale_preview`). A prefetch over a
        page of commitments, instead of one subquery per shown field per commitment.
        """
        return (
            self.latest_per_commitment()
            .select_related("reviewer")
            .only("commitment", "reviewed_at", "status_before", "status_after", "reviewer__username")
            .annotate(rationale_preview=Left("rationale", RATIONALE_PREVIEW_LENGTH))
        )

    def for_list(self) -> ReviewQuerySet:
        """Reviews as every list shows them: commitment, reviewer and the evidence each cites."""
        return (
            self.select_related("commitment", "reviewer")
            .defer("commitment__search_document")
            .with_cited_evidence()
        )

    def in_detail(self) -> ReviewQuerySet:
        """A commitment's history as its detail lists it: newest first, with reviewer and cited evidence.
        Read through the commitment (as Evidence's in_detail()), so no join for it."""
        return self.select_related("reviewer").with_cited_evidence().order_by(*NEWEST_REVIEWS_FIRST)

    def with_cited_evidence(self) -> ReviewQuerySet:
        """The evidence each review cites, one query for all of them (Review.cited_evidence)."""
        from commitments.models import Evidence

        # Lists link each cited item by its title; nothing else of it is read.
        return self.prefetch_related(
            Prefetch("evidence", queryset=Evidence.objects.only("pk", "url", "title"), to_attr=CITED_EVIDENCE)
        )

    def status_changes(self) -> ReviewQuerySet:
        """Reviews that moved a status, newest first: what the overview and the feeds report."""
        return self.exclude(status_before=F("status_after")).order_by("-reviewed_at", "-pk")


class ReminderQuerySet(models.QuerySet["Reminder"]):
    def sent_on(self, day: date) -> ReminderQuerySet:
        """The digests delivered for `day` (one per recipient at most)."""
        from commitments.choices import ReminderState

        return self.filter(day=day, state=ReminderState.SENT)


class ReviewCitationQuerySet(AppendOnlyQuerySet["ReviewCitation"]):
    """Which evidence a review cited is part of the review: append-only too."""


class EvidenceSuggestionQuerySet(models.QuerySet["EvidenceSuggestion"]):
    """Evidence the public proposes. None of it is read by a public page, feed or API: only the admin."""

    def pending(self) -> EvidenceSuggestionQuerySet:
        return self.filter(state=SuggestionState.PENDING)

    def for_triage(self) -> EvidenceSuggestionQuerySet:
        """The analysts' queue: the pending first (oldest first, as a queue is worked), then the decided,
        newest decision first."""
        # Each row names its commitment and who decided it: join them (not the commitment's text).
        joined = self.select_related("commitment", "decided_by").only(
            *[field.name for field in self.model._meta.concrete_fields],
            "commitment__reference",
            "decided_by__username",
        )
        waiting = Case(When(state=SuggestionState.PENDING, then=Value(0)), default=Value(1))
        return joined.order_by(waiting, F("decided_at").desc(nulls_last=True), "submitted_at", "pk")


# Typed managers: `Model.objects` carries the queryset's methods (django-stubs understands this form).
DocumentManager = models.Manager.from_queryset(DocumentQuerySet)
SectionManager = models.Manager.from_queryset(SectionQuerySet)
SectorManager = models.Manager.from_queryset(SectorQuerySet)
_CommitmentManagerBase = models.Manager.from_queryset(CommitmentQuerySet)


class CommitmentManager(_CommitmentManagerBase):
    def get_queryset(self) -> CommitmentQuerySet:  # type: ignore[override]  # the stubs' base is generic
        # search_document is the database's own (a trigger keeps it for search()): no row ever reads it,
        # and a save of a row loaded this way leaves it to the trigger.
        return cast(CommitmentQuerySet, super().get_queryset().defer("search_document"))


CommitmentSectorManager = models.Manager.from_queryset(CommitmentSectorQuerySet)
EvidenceManager = models.Manager.from_queryset(EvidenceQuerySet)
ReviewManager = models.Manager.from_queryset(ReviewQuerySet)
ReviewCitationManager = models.Manager.from_queryset(ReviewCitationQuerySet)
ReminderManager = models.Manager.from_queryset(ReminderQuerySet)
EvidenceSuggestionManager = models.Manager.from_queryset(EvidenceSuggestionQuerySet)
