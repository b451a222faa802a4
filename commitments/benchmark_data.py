"""A deterministic, realistic dataset for performance benchmarks, bulk-loaded into an empty database.

`generate()` is what `manage.py generate_benchmark_data` and benchmark harnesses call. The rows are
built as plain tuples by `build_batches()`, which reads nothing from the database (everything it needs
comes in a `Context`), so the same seed and context give the same rows, ids included. On PostgreSQL they
are loaded with COPY; elsewhere (SQLite) with batched INSERTs of the same rows.
"""

from __future__ import annotations

import datetime
import hashlib
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group, User
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, Q

from commitments.choices import FINAL_STATUSES, EvidenceKind, EvidenceSignal, Priority, Status
from commitments.models import (
    Commitment,
    CommitmentSector,
    Document,
    Evidence,
    Review,
    ReviewCitation,
    Section,
    Sector,
    current_method_version,
)

Row = tuple[Any, ...]
Batch = dict[str, list[Row]]

COMMITMENTS_PER_DOCUMENT = 500
USER_COUNT = 500
USERNAME_FORMAT = "analyst{:03d}"
DOCUMENT_SLUG_FORMAT = "bench-{:04d}"
DOCUMENT_PREFIX_FORMAT = "BENCH{:03d}"
HISTORY_DAYS = 5 * 365
# A fixed unusable password: make_password(None) adds a random suffix, which would break determinism.
UNUSABLE_PASSWORD = UNUSABLE_PASSWORD_PREFIX + "benchmark-user-cannot-log-in"


class Writer(Protocol):
    """Where progress goes: a text stream or a management command's stdout."""

    def write(self, text: str, /) -> Any: ...


class DatabaseNotEmptyError(Exception):
    """The generator only fills an empty database: mixing with real data would make both meaningless."""


@dataclass(frozen=True)
class Table:
    model: type[models.Model]
    attnames: tuple[str, ...]  # the order of every row's values


# Columns the database fills itself: the search vector (a trigger on PostgreSQL, migration 0012).
FILLED_BY_THE_DATABASE = frozenset({"search_document"})


def tables() -> dict[str, Table]:
    """Every table the generator writes, in load order (parents first), with the columns it fills."""
    return {
        "users": Table(
            User,
            _names(
                "id password last_login is_superuser username first_name last_name email is_staff "
                "is_active date_joined"
            ),
        ),
        "user_groups": Table(User.groups.through, _names("id user_id group_id")),
        "documents": Table(
            Document,
            _names(
                "id slug reference_prefix title publisher published_on source_url period_start period_end "
                "language full_text content_hash created_at updated_at"
            ),
        ),
        "sections": Table(
            Section,
            _names("id document_id parent_id key number title heading level position start_offset"),
        ),
        "commitments": Table(
            Commitment,
            _names(
                "id document_id section_id reference text lead_in start_offset end_offset extraction_rule "
                "owner_id priority target_date status last_reviewed_at version updated_by_id created_at "
                "updated_at snoozed_until snooze_reason snoozed_by_id"
            ),
        ),
        "commitment_sectors": Table(CommitmentSector, _names("id commitment_id sector_id is_primary")),
        "evidence": Table(
            Evidence,
            _names(
                "id commitment_id url title publisher published_on kind signal excerpt added_by_id created_at"
            ),
        ),
        "reviews": Table(
            Review,
            _names(
                "id commitment_id reviewer_id reviewed_at status_before status_after rationale method_version"
            ),
        ),
        "citations": Table(ReviewCitation, _names("id review_id evidence_id")),
    }


def _names(spaced: str) -> tuple[str, ...]:
    return tuple(spaced.split())


@dataclass(frozen=True)
class Context:
    """What the rows depend on besides the seed: the clock, the existing sectors and where ids start."""

    now: datetime.datetime
    sectors: tuple[tuple[int, str], ...]  # (id, name), in id order
    analyst_group_id: int | None
    first_ids: dict[str, int]  # table name -> first id to use


# --- Vocabulary ------------------------------------------------------------------------------

VERBS = (
    "Launch",
    "Complete",
    "Build",
    "Develop",
    "Deploy",
    "Upgrade",
    "Establish",
    "Expand",
    "Draft",
    "Strengthen",
    "Promote",
    "Improve",
    "Test",
    "Carry out",
    "Put into service",
    "Modernise",
)
NAMES = (
    "Tianzhou",
    "Xihe",
    "Kuafu",
    "Shijian",
    "Fengyun",
    "Gaofen",
    "Beidou",
    "Haiyang",
    "Long March",
    "Tiangong",
    "Chang'e",
    "Tianwen",
    "Zhurong",
    "Queqiao",
    "Shenzhou",
    "Hongyun",
)
THINGS = (
    "relay satellite",
    "heavy-lift launch vehicle",
    "ground station network",
    "remote sensing constellation",
    "sample-return mission",
    "reusable launch system",
    "space law framework",
    "navigation augmentation service",
    "meteorological satellite series",
    "crewed spacecraft",
    "space debris monitoring system",
    "commercial launch site",
    "deep space tracking antenna",
    "space science observatory",
    "satellite data sharing platform",
    "in-orbit servicing demonstrator",
)
QUALIFIERS = (
    "by the end of the plan period",
    "in cooperation with partner agencies",
    "to serve national economic development",
    "with commercial participation",
    "under a unified national standard",
    "to improve public services",
    "as part of the international lunar research station",
    "with full operational capability",
    "and open its data to research institutions",
    "while reducing launch costs",
)
LEAD_INS = (
    "In the next five years, the country will:",
    "It will:",
    "The following tasks will be carried out:",
    "Priorities for the period are to:",
    "The government will:",
)
TOP_LEVEL_TITLES = (
    "Development of Space Technology and Systems",
    "Space Infrastructure",
    "Space Applications and Industry",
    "Space Science",
    "Governance of Space Activities",
    "International Exchanges and Cooperation",
    "Human Spaceflight",
    "Deep Space Exploration",
    "Launch Sites and Tracking",
    "Space Environment Governance",
)
SUBSECTION_TITLES = (
    "Launch Vehicles",
    "Satellite Systems",
    "Ground Segment",
    "Research and Development",
    "Commercial Space",
    "Data and Services",
    "Standards and Regulation",
    "Talent and Training",
    "Missions",
    "Facilities",
    "Safety and Security",
    "Partnerships",
)
PUBLISHERS = (
    "The State Council Information Office",
    "Ministry of Science and Technology",
    "National Space Administration",
    "Planning Commission",
)
EVIDENCE_PUBLISHERS = ("Xinhua", "SpaceNews", "CNSA", "Reuters", "Nature", "ESA", "Global Times", "")
EVIDENCE_HEADLINES = ("milestone reached", "delay announced", "contract signed", "test completed")
EVIDENCE_FINDINGS = ("is on schedule", "has slipped", "was completed", "passed its design review")
EVIDENCE_KINDS = tuple(EvidenceKind.values)
EVIDENCE_KIND_WEIGHTS = (3, 5, 3, 1, 1)
SNOOZE_REASONS = (
    "Waiting for the mid-term review.",
    "Launch slipped; the new date is announced next quarter.",
    "Owner on leave; picked up after the handover.",
    "Waiting for the annual statistics release.",
)
CHANGE_RATIONALES: dict[str, tuple[str, ...]] = {
    Status.UNASSESSED: ("Reset pending a fresh assessment.",),
    Status.NOT_STARTED: (
        "No announcement, budget line or procurement found yet.",
        "Officials confirm work has not begun.",
    ),
    Status.IN_PROGRESS: (
        "Contracts awarded and first hardware tests reported.",
        "The programme office reports work under way.",
        "Work resumed after the funding decision.",
    ),
    Status.STALLED: (
        "No visible progress for over a year; the schedule slipped.",
        "Test failure reported and no new date announced.",
    ),
    Status.PARTIALLY_ACHIEVED: (
        "First phase delivered; the remaining elements are still outstanding.",
        "Operational, but short of the promised scope.",
    ),
    Status.ACHIEVED: (
        "Delivered as promised, confirmed by the mission record.",
        "Officially completed and in service.",
    ),
    Status.NOT_ACHIEVED: (
        "The plan period ended without delivery.",
        "The programme was cancelled.",
    ),
}
CONFIRM_RATIONALES = (
    "Checked recent reporting; nothing changes the assessment.",
    "Still as assessed.",
    "No new sources since the last review.",
)
# Next status after a review, given the current one: most reviews move forward or confirm; final
# statuses are nearly always confirmed, and now and then reopened.
TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    Status.UNASSESSED: ((Status.NOT_STARTED, Status.IN_PROGRESS, Status.UNASSESSED), (4, 5, 1)),
    Status.NOT_STARTED: ((Status.NOT_STARTED, Status.IN_PROGRESS, Status.STALLED), (4, 4, 1)),
    Status.IN_PROGRESS: (
        (Status.IN_PROGRESS, Status.PARTIALLY_ACHIEVED, Status.ACHIEVED, Status.STALLED),
        (5, 2, 1, 1),
    ),
    Status.STALLED: ((Status.STALLED, Status.IN_PROGRESS, Status.NOT_ACHIEVED), (3, 3, 1)),
    Status.PARTIALLY_ACHIEVED: (
        (Status.PARTIALLY_ACHIEVED, Status.ACHIEVED, Status.IN_PROGRESS),
        (4, 2, 1),
    ),
    Status.ACHIEVED: ((Status.ACHIEVED, Status.PARTIALLY_ACHIEVED), (20, 1)),
    Status.NOT_ACHIEVED: ((Status.NOT_ACHIEVED, Status.STALLED), (20, 1)),
}
# Reviews per commitment, 0..20, falling off geometrically: mean about 5.
REVIEW_COUNTS = tuple(range(21))
REVIEW_COUNT_WEIGHTS = tuple(0.85**k for k in REVIEW_COUNTS)
# Evidence per commitment: mean about 2.
EVIDENCE_COUNTS = (0, 1, 2, 3, 4, 5)
EVIDENCE_COUNT_WEIGHTS = (15, 20, 30, 20, 10, 5)
# The share of reviews that try to cite evidence; some find none added before them, so about a
# third end up citing.
CITING_SHARE = 0.55


# --- Building rows -------------------------------------------------------------------------------


@dataclass
class _Builder:
    seed: int
    context: Context
    rng: random.Random = field(init=False)
    next_ids: dict[str, int] = field(init=False)
    user_ids: list[int] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.next_ids = {name: self.context.first_ids.get(name, 1) for name in tables()}

    def take_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def users(self) -> Batch:
        rng, now = self.rng, self.context.now
        batch: Batch = {"users": [], "user_groups": []}
        for number in range(1, USER_COUNT + 1):
            user_id = self.take_id("users")
            self.user_ids.append(user_id)
            username = USERNAME_FORMAT.format(number)
            joined = now - datetime.timedelta(days=HISTORY_DAYS + rng.randint(1, 365))
            last_login = now - datetime.timedelta(seconds=rng.randint(3600, 90 * 86400))
            batch["users"].append(
                (
                    user_id,
                    UNUSABLE_PASSWORD,
                    last_login,
                    False,
                    username,
                    "Analyst",
                    f"{number:03d}",
                    f"{username}@example.org",
                    True,
                    True,
                    joined,
                )
            )
            if self.context.analyst_group_id is not None:
                batch["user_groups"].append(
                    (self.take_id("user_groups"), user_id, self.context.analyst_group_id)
                )
        return batch

    def document(self, number: int, commitment_count: int) -> Batch:
        """One document with its sections, commitments and their whole history."""
        rng, now = self.rng, self.context.now
        batch: Batch = {name: [] for name in tables() if name not in ("users", "user_groups")}
        document_id = self.take_id("documents")
        prefix = DOCUMENT_PREFIX_FORMAT.format(number)
        window_start = now - datetime.timedelta(days=HISTORY_DAYS)
        # Documents are imported during the first year of the window, so reviews spread over five years.
        created_at = window_start + datetime.timedelta(seconds=rng.randint(0, 365 * 86400))
        published_on = (created_at - datetime.timedelta(days=rng.randint(1, 60))).date()
        period_start = datetime.date(published_on.year, 1, 1)
        period_end = datetime.date(published_on.year + 4, 12, 31)
        team = rng.sample(self.user_ids, min(6, len(self.user_ids)))

        top_titles = rng.sample(TOP_LEVEL_TITLES, rng.randint(4, 8))
        # Where commitments can sit: (section id, key, theme sector index, relative share of commitments)
        homes: list[tuple[int, str, int, int]] = []
        tree: list[tuple[Row, list[Row]]] = []
        position = 0
        for top_number, top_title in enumerate(top_titles, start=1):
            theme = rng.randrange(len(self.context.sectors)) if self.context.sectors else -1
            top_id = self.take_id("sections")
            key = str(top_number)
            top_row = (top_id, document_id, None, key, key, top_title, f"{key}. {top_title}", 1, position)
            position += 1
            homes.append((top_id, key, theme, 1))
            children: list[Row] = []
            for sub_number, sub_title in enumerate(rng.sample(SUBSECTION_TITLES, rng.randint(2, 6)), start=1):
                sub_id = self.take_id("sections")
                sub_key = f"{key}.{sub_number}"
                children.append(
                    (
                        sub_id,
                        document_id,
                        top_id,
                        sub_key,
                        str(sub_number),
                        sub_title,
                        f"{sub_key} {sub_title}",
                        2,
                        position,
                    )
                )
                position += 1
                homes.append((sub_id, sub_key, theme, 3))
            tree.append((top_row, children))

        per_section = [0] * len(homes)
        for index in rng.choices(range(len(homes)), weights=[home[3] for home in homes], k=commitment_count):
            per_section[index] += 1
        counts_by_section = {home[0]: count for home, count in zip(homes, per_section, strict=True)}
        theme_by_section = {home[0]: home[2] for home in homes}

        title = f"Benchmark Plan {number}: {top_titles[0]}"
        parts: list[str] = [
            f"{title}\n\n",
            "Preamble. This plan sets out the goals for the coming years.\n\n",
        ]
        length = sum(len(part) for part in parts)

        def write(text: str) -> int:
            nonlocal length
            offset = length
            parts.append(text)
            length += len(text)
            return offset

        for top_row, children in tree:
            for section_row in (top_row, *children):
                section_id, key = section_row[0], section_row[3]
                heading_offset = write(f"{section_row[6]}\n\n")
                batch["sections"].append((*section_row, heading_offset))
                write(f"This section concerns {section_row[5].lower()}.\n\n")
                remaining = counts_by_section[section_id]
                serial = 0
                while remaining:
                    group = min(remaining, rng.randint(3, 8))
                    remaining -= group
                    lead_in = rng.choice(LEAD_INS)
                    write(f"{lead_in}\n")
                    for _ in range(group):
                        serial += 1
                        text = self.commitment_text()
                        start = write(text)
                        write("\n")
                        self.commitment(
                            batch,
                            document_id=document_id,
                            section_id=section_id,
                            reference=f"{prefix}-{key}-{serial:02d}",
                            text=text,
                            lead_in=lead_in,
                            start=start,
                            theme=theme_by_section[section_id],
                            created_at=created_at + datetime.timedelta(seconds=len(batch["commitments"])),
                            period=(period_start, period_end),
                            team=team,
                        )
                    write("\n")

        full_text = "".join(parts)
        batch["documents"].append(
            (
                document_id,
                DOCUMENT_SLUG_FORMAT.format(number),
                prefix,
                title,
                rng.choice(PUBLISHERS),
                published_on,
                f"https://policy.example.org/plans/{DOCUMENT_SLUG_FORMAT.format(number)}",
                period_start,
                period_end,
                "en",
                full_text,
                hashlib.sha256(full_text.encode()).hexdigest(),
                created_at,
                created_at,
            )
        )
        return batch

    def commitment_text(self) -> str:
        rng = self.rng
        text = f"{rng.choice(VERBS)} the {rng.choice(NAMES)}-{rng.randint(1, 30)} {rng.choice(THINGS)}"
        if rng.random() < 0.5:
            text += f" and the {rng.choice(NAMES)} {rng.choice(THINGS)}"
        return f"{text} {rng.choice(QUALIFIERS)}."

    def commitment(
        self,
        batch: Batch,
        *,
        document_id: int,
        section_id: int,
        reference: str,
        text: str,
        lead_in: str,
        start: int,
        theme: int,
        created_at: datetime.datetime,
        period: tuple[datetime.date, datetime.date],
        team: list[int],
    ) -> None:
        rng, now = self.rng, self.context.now
        commitment_id = self.take_id("commitments")
        owner_id = rng.choice(team) if rng.random() < 0.9 else None

        def reviewer() -> int:
            if owner_id is not None and rng.random() < 0.75:
                return owner_id
            return rng.choice(team) if rng.random() < 0.8 else rng.choice(self.user_ids)

        self.sector_links(batch, commitment_id, theme)

        # Reviews: times spread evenly between import and now, each status following from the last.
        review_count = rng.choices(REVIEW_COUNTS, weights=REVIEW_COUNT_WEIGHTS)[0]
        first, last = created_at.timestamp() + 86400, now.timestamp() - 60
        review_times = sorted(
            datetime.datetime.fromtimestamp(int(rng.uniform(first, last)), tz=datetime.UTC)
            for _ in range(review_count)
        )
        reviews: list[Row] = []
        status = Status.UNASSESSED.value
        method = current_method_version()
        for reviewed_at in review_times:
            choices, weights = TRANSITIONS[status]
            after = rng.choices(choices, weights=weights)[0]
            if after != status:
                rationale = rng.choice(CHANGE_RATIONALES[after])
            else:
                rationale = rng.choice(CONFIRM_RATIONALES) if rng.random() < 0.5 else ""
            reviews.append(
                (
                    self.take_id("reviews"),
                    commitment_id,
                    reviewer(),
                    reviewed_at,
                    status,
                    str(after),
                    rationale,
                    method,
                )
            )
            status = str(after)
        batch["reviews"].extend(reviews)

        # Evidence is mostly added shortly before a review (the review that then cites it).
        evidence: list[tuple[int, datetime.datetime]] = []
        for _ in range(rng.choices(EVIDENCE_COUNTS, weights=EVIDENCE_COUNT_WEIGHTS)[0]):
            if reviews:
                anchor_review = rng.choice(reviews)
                added_at = anchor_review[3] - datetime.timedelta(seconds=rng.randint(60, 3 * 86400))
                added_at = max(added_at, created_at + datetime.timedelta(seconds=60))
                added_by = anchor_review[2]
            else:
                added_at = datetime.datetime.fromtimestamp(int(rng.uniform(first, last)), tz=datetime.UTC)
                added_by = owner_id
            evidence_id = self.take_id("evidence")
            evidence.append((evidence_id, added_at))
            thing = rng.choice(THINGS)
            batch["evidence"].append(
                (
                    evidence_id,
                    commitment_id,
                    f"https://news.example.org/{added_at:%Y/%m}/story-{evidence_id}",
                    f"{rng.choice(NAMES)} {thing}: {rng.choice(EVIDENCE_HEADLINES)}",
                    rng.choice(EVIDENCE_PUBLISHERS),
                    added_at.date() - datetime.timedelta(days=rng.randint(0, 10)),
                    rng.choices(EVIDENCE_KINDS, weights=EVIDENCE_KIND_WEIGHTS)[0],
                    EvidenceSignal.PROGRESS.value if rng.random() < 0.75 else EvidenceSignal.SETBACK.value,
                    f"Officials said the {thing} work {rng.choice(EVIDENCE_FINDINGS)}.",
                    added_by,
                    added_at,
                )
            )

        for review in reviews:
            if not evidence or rng.random() >= CITING_SHARE:
                continue
            citable = [evidence_id for evidence_id, added_at in evidence if added_at < review[3]]
            if not citable:
                continue
            cited = rng.sample(citable, 2 if len(citable) > 1 and rng.random() < 0.3 else 1)
            for evidence_id in cited:
                batch["citations"].append((self.take_id("citations"), review[0], evidence_id))

        period_start, period_end = period
        if rng.random() < 0.2:
            # An earlier milestone within the plan period.
            span = (period_end - period_start).days
            target_date = period_start + datetime.timedelta(days=rng.randint(365, span))
        else:
            target_date = period_end
        last_review = reviews[-1] if reviews else None
        snoozed = status not in FINAL_STATUSES and rng.random() < 0.05
        batch["commitments"].append(
            (
                commitment_id,
                document_id,
                section_id,
                reference,
                text,
                lead_in,
                start,
                start + len(text),
                "benchmark",
                owner_id,
                rng.choices(Priority.values, weights=(2, 13, 5))[0],
                target_date,
                status,
                last_review[3] if last_review else None,
                1 + len(reviews),
                last_review[2] if last_review else None,
                created_at,
                last_review[3] if last_review else created_at,
                now.date() + datetime.timedelta(days=rng.randint(7, 180)) if snoozed else None,
                rng.choice(SNOOZE_REASONS) if snoozed else "",
                (owner_id or rng.choice(team)) if snoozed else None,
            )
        )

    def sector_links(self, batch: Batch, commitment_id: int, theme: int) -> None:
        """Most commitments get one primary sector (usually their section's theme) and 0-2 secondary ones."""
        rng, sectors = self.rng, self.context.sectors
        if not sectors or rng.random() < 0.08:
            return
        primary = theme if rng.random() < 0.7 else rng.randrange(len(sectors))
        chosen = [primary]
        for _ in range(rng.choices((0, 1, 2), weights=(5, 3, 2))[0]):
            other = rng.randrange(len(sectors))
            if other not in chosen:
                chosen.append(other)
        for rank, index in enumerate(chosen):
            batch["commitment_sectors"].append(
                (self.take_id("commitment_sectors"), commitment_id, sectors[index][0], rank == 0)
            )


def document_count(commitments: int) -> int:
    return max(1, commitments // COMMITMENTS_PER_DOCUMENT)


def build_batches(commitments: int, seed: int, context: Context) -> Iterator[Batch]:
    """The rows, one batch for the users and then one per document; reads nothing from the database."""
    builder = _Builder(seed, context)
    yield builder.users()
    documents = document_count(commitments)
    share, extra = divmod(commitments, documents)
    for number in range(1, documents + 1):
        yield builder.document(number, share + (1 if number <= extra else 0))


def digest(batches: Iterable[Batch]) -> str:
    """A fingerprint of the rows, to show that a seed gives the same data every time."""
    hashed = hashlib.sha256()
    for batch in batches:
        for name in sorted(batch):
            for row in batch[name]:
                hashed.update(f"{name}{row!r}\n".encode())
    return hashed.hexdigest()


# --- Loading ------------------------------------------------------------------------------------


def read_context(now: datetime.datetime) -> Context:
    """The sectors and free ids of this database; refuses one that already holds commitments."""
    if Commitment.objects.exists():
        raise DatabaseNotEmptyError(
            "The database already has commitments: benchmark data is only generated into an empty "
            "database (create a fresh one and run migrate first)."
        )
    if User.objects.filter(username__regex=r"^analyst[0-9]{3}$").exists():
        raise DatabaseNotEmptyError("Users named analyst001… exist already: use a fresh database.")
    if Document.objects.filter(
        Q(slug__startswith="bench-") | Q(reference_prefix__startswith="BENCH")
    ).exists():
        raise DatabaseNotEmptyError("Benchmark documents (bench-…) exist already: use a fresh database.")
    first_ids = {
        name: (table.model._default_manager.aggregate(highest=Max("pk"))["highest"] or 0) + 1
        for name, table in tables().items()
    }
    return Context(
        now=now,
        sectors=tuple(Sector.objects.order_by("pk").values_list("pk", "name")),
        analyst_group_id=Group.objects.filter(name="analyst").values_list("pk", flat=True).first(),
        first_ids=first_ids,
    )


def generate(
    commitments: int,
    seed: int,
    *,
    out: Writer | None = None,
    now: datetime.datetime | None = None,
) -> dict[str, int]:
    """Fill an empty database with `commitments` commitments and everything around them; return the
    number of rows made per kind. `now` (default: the start of today, UTC) anchors every date, so the
    same seed and day give the same data."""
    if commitments < 1:
        raise ValueError("commitments must be at least 1")
    if now is None:
        today = datetime.datetime.now(tz=datetime.UTC).date()
        now = datetime.datetime(today.year, today.month, today.day, tzinfo=datetime.UTC)
    started = time.monotonic()
    counts = dict.fromkeys(tables(), 0)
    snoozed = 0
    table_specs = tables()
    snoozed_column = table_specs["commitments"].attnames.index("snoozed_until")
    with transaction.atomic():
        context = read_context(now)
        if not context.sectors:
            # Migration 0002 installs the taxonomy; a database without it still gets a usable one.
            from commitments.defaults import install_default_sectors

            install_default_sectors(Sector)
            context = read_context(now)
        write = _copy_rows if connection.vendor == "postgresql" else _insert_rows
        for number, batch in enumerate(build_batches(commitments, seed, context)):
            for name, table in table_specs.items():
                rows = batch.get(name)
                if rows:
                    write(table, rows)
                    counts[name] += len(rows)
            snoozed += sum(1 for row in batch.get("commitments", ()) if row[snoozed_column] is not None)
            if out is not None and number % 20 == 0 and number:
                out.write(f"  {number} of {document_count(commitments)} documents loaded\n")
        _reset_sequences([table.model for table in table_specs.values()])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in table_specs.values():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table.model._meta.db_table)}")
    if out is not None:
        out.write(f"  loaded in {time.monotonic() - started:.1f} s\n")
    return {
        "documents": counts["documents"],
        "sections": counts["sections"],
        "commitments": counts["commitments"],
        "reviews": counts["reviews"],
        "evidence": counts["evidence"],
        "citations": counts["citations"],
        "sector_links": counts["commitment_sectors"],
        "users": counts["users"],
        "snoozed": snoozed,
    }


def _columns(table: Table) -> list[str]:
    by_attname = {field.attname: str(field.column) for field in table.model._meta.concrete_fields}
    return [connection.ops.quote_name(by_attname[name]) for name in table.attnames]


def _copy_rows(table: Table, rows: list[Row]) -> None:
    name = connection.ops.quote_name(table.model._meta.db_table)
    sql = f"COPY {name} ({', '.join(_columns(table))}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_rows(table: Table, rows: list[Row]) -> None:
    """The portable path: the same rows as plain INSERTs (bulk_create would replace the auto_now_add
    timestamps with the current time)."""
    fields = {field.attname: field for field in table.model._meta.concrete_fields}
    adapters: list[Any] = []
    for name in table.attnames:
        kind = fields[name].get_internal_type()
        if kind == "DateTimeField":
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif kind == "DateField":
            adapters.append(connection.ops.adapt_datefield_value)
        else:
            adapters.append(None)
    converting = [(index, adapt) for index, adapt in enumerate(adapters) if adapt is not None]
    if converting:
        adapted: list[Row] = []
        for row in rows:
            values = list(row)
            for index, adapt in converting:
                values[index] = adapt(values[index])
            adapted.append(tuple(values))
        rows = adapted
    placeholders = ", ".join(["%s"] * len(table.attnames))
    sql = (
        f"INSERT INTO {connection.ops.quote_name(table.model._meta.db_table)} "
        f"({', '.join(_columns(table))}) VALUES ({placeholders})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    """Ids were assigned here, not by the database: move each sequence past them so later inserts work."""
    statements = connection.ops.sequence_reset_sql(no_style(), model_list)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
