"""The whole application under production settings, measured against physical floors (issue 15).

    make bench                                             # 100,000 commitments, 20 repetitions
    .venv/bin/python -m benchmarks.harness --reuse         # keep tracker_bench's data from the last run
    .venv/bin/python -m benchmarks.harness --quick         # 2,000 commitments, 5 repetitions, short load
    .venv/bin/python -m benchmarks.harness --only list detail report-progress

It creates the PostgreSQL database `tracker_bench` afresh (`--reuse` keeps it), migrates it, fills it
with `manage.py generate_benchmark_data` when it is empty, collects the static files, and starts
`gunicorn -c gunicorn.conf.py tracker.wsgi` with two workers on a free loopback port in production mode
(DJANGO_DEBUG=0). Then, for each path: a warm-up, and `--reps` repetitions of one request followed by
the path's hand-written SQL floor (benchmarks/floors.py) on the harness's own psycopg connection, and,
for the API reads, a request to the empty endpoint (`/api/v1/`, the API root: the same middleware,
authentication, throttle and renderer). Every repetition checks that the floor returned the same ids or
numbers as the endpoint. The admin changelist, the reminder job and the extraction of a 300-page document
run in-process where that is how they run (the job) or how their SQL can be captured (the admin).

It writes the table, the machine and the dataset to docs/benchmarks.md and the same figures, with every
sample, to docs/benchmarks.json beside it.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg

from benchmarks import floors
from benchmarks.load import PeakMemory, Response, children, closed_loop, get, open_loop, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tracker_bench"
# --quick never touches the 100k dataset, which takes minutes to make again.
QUICK_DATABASE_NAME = "tracker_bench_quick"
EMPTY = "/api/v1/"  # the empty endpoint: the API root, with the whole DRF stack and no query
API_HEADERS = {"Accept": "application/json"}
HTML_HEADERS = {"Accept": "text/html"}
CSV_HEADERS = {"Accept": "text/csv"}
UNLIMITED = "1000000/minute"  # the throttle still runs (a cache read and write per request), never bites
HALF_SIZE_MARK = "benchmark: half-size reminder run"  # snooze reason of the rows the harness snoozes
# Every evidence link checked three days ago, one in a hundred due again now (link-plan's steady state).
STEADY_LINKS = (
    "INSERT INTO commitments_evidencelink (evidence_id, status, http_status, final_url, redirects, "
    "content_type, error, checked_at, next_check_at, failure_count, claimed_until, changed_since_cited) "
    "SELECT id, 'ok', 200, url, '[]', 'text/html', '', now() - interval '3 days', "
    "CASE WHEN mod(id, 100) = 0 THEN now() - interval '1 hour' ELSE now() + interval '4 days' END, "
    "0, NULL, false "
    "FROM commitments_evidence"
)


# --- Figures -----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolated between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ratio(seconds: float, floor: float, empty: float = 0.0) -> float | None:
    """t / (t_floor + t_empty): how far above what the database and the bare stack cost."""
    base = floor + empty
    return seconds / base if base > 0 else None


@dataclass
class Row:
    name: str
    label: str
    target: str
    median_ms: float | None = None
    p95_ms: float | None = None
    floor_ms: float | None = None
    ratio: float | None = None
    met: bool | None = None  # None: report only
    same: bool = True  # the floor's result equals the endpoint's (or every answer was right)
    notes: str = ""
    samples_ms: list[float] = field(default_factory=list)
    floor_samples_ms: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def timed(self, seconds: Sequence[float]) -> None:
        self.samples_ms = [s * 1000 for s in seconds]
        self.median_ms = statistics.median(self.samples_ms)
        self.p95_ms = percentile(self.samples_ms, 95)


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _flag(value: bool | None) -> str:
    return "—" if value is None else ("yes" if value else "**no**")


COLUMNS = ("path", "median", "p95", "floor", "ratio", "target", "met", "same result", "notes")


def table_lines(rows: Iterable[Row]) -> list[str]:
    """The results as a Markdown table."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [
            row.label,
            _ms(row.median_ms),
            _ms(row.p95_ms),
            _ms(row.floor_ms),
            "—" if row.ratio is None else f"{row.ratio:.2f}×",
            row.target,
            _flag(row.met),
            "yes" if row.same else "**no**",
            row.notes,
        ]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines


def console_line(row: Row) -> str:
    ratio_text = "" if row.ratio is None else f"  ratio {row.ratio:.2f}×"
    return (
        f"{row.name:<26} median {_ms(row.median_ms):>9}  p95 {_ms(row.p95_ms):>9}"
        f"  floor {_ms(row.floor_ms):>9}"
        f"{ratio_text}  met {_flag(row.met).strip('*')}  same {'yes' if row.same else 'NO'}  {row.notes}"
    )


# --- Options -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    database_url: str
    commitments: int
    reps: int
    warmup: int
    mixed_seconds: float
    open_seconds: float
    reminder_runs: int
    extraction_runs: int
    only: tuple[str, ...]
    output: Path
    reuse: bool
    quick: bool
    clients: int = 16
    open_rate: float = 20.0

    def wants(self, name: str) -> bool:
        """--only takes path names or their groups: `list` is list-filtered, list-cursor, list-page-250."""
        return not self.only or any(name == o or name.startswith(o + "-") for o in self.only)


PATH_NAMES = (
    "api-root",
    "list-filtered",
    "list-cursor",
    "list-page-250",
    "detail",
    "report-progress",
    "report-as-of",
    "report-timeline",
    "csv-all",
    "csv-subset",
    "admin-changelist",
    "admin-changelist-filtered",
    "mixed-closed",
    "mixed-open",
    "public-overview",
    "public-list",
    "public-list-status",
    "public-detail",
    "public-document",
    "public-feed",
    "reminders",
    "link-plan",
    "extraction",
)


def database_url_named(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# --- The database and the server -----------------------------------------------------------------------


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def prepare_database(options: Options, env: dict[str, str]) -> None:
    """Create (or keep, --reuse) the database, migrate it, fill it when empty, analyze it."""
    name = database_name(options.database_url)
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise SystemExit(f"database name {name!r}: use lower-case letters, digits and underscores")
    with psycopg.connect(database_url_named(options.database_url, "postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not options.reuse:
            print(f"dropping database {name} (--reuse keeps it)")
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
            exists = None
        if not exists:
            print(f"creating database {name}")
            admin.execute(f"CREATE DATABASE {name}")
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    with psycopg.connect(options.database_url, autocommit=True) as connection:
        present = connection.execute("SELECT count(*) FROM commitments_commitment").fetchone()
        if present and present[0]:
            if present[0] != options.commitments:
                print(f"reusing {name} with {present[0]:,} commitments (not {options.commitments:,})")
        else:
            started = time.monotonic()
            manage(
                "generate_benchmark_data", "--commitments", str(options.commitments), "--seed", "1", env=env
            )
            print(f"data generated in {time.monotonic() - started:.0f} s")
        # Fresh statistics and visibility map, as autovacuum keeps them in a database that has been running
        # a while (also after a migration that rewrote rows): index-only scans need the latter.
        print("vacuum analyze")
        connection.execute("VACUUM ANALYZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(database_url: str, port: int) -> dict[str, str]:
    """The environment gunicorn (and the in-process parts) run with: production mode, on loopback."""
    env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tracker.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": database_url,
            # Plain HTTP on loopback: production would redirect it to HTTPS (a TLS proxy sits in front).
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "TRACKER_API_THROTTLE_ANON": UNLIMITED,
            "TRACKER_API_THROTTLE_USER": UNLIMITED,
            "TRACKER_BASE_URL": f"http://127.0.0.1:{port}",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_LOG_LEVEL": "WARNING",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            # A worker recycled mid-measurement would time one cold start; production amortises it
            # over 5,000 requests.
            "GUNICORN_MAX_REQUESTS": "0",
            # Reports are measured computed, against their floor, not answered from memory (a repeat
            # with unchanged data costs only the fingerprint: docs/benchmarks.md notes).
            "TRACKER_REPORT_CACHE_SECONDS": "0",
        }
    )
    return env


class Server:
    """gunicorn as production runs it (`gunicorn -c gunicorn.conf.py tracker.wsgi`), its log in a file."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env, self.port, self.log = env, port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "tracker.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        if not wait_until_up(self.port, EMPTY, time.monotonic() + 60):
            self.stop()
            raise SystemExit(f"gunicorn did not answer on port {self.port}:\n{self.log.read_text()[-3000:]}")
        deadline = time.monotonic() + 10
        while len(self.workers()) < int(self.env["GUNICORN_WORKERS"]) and time.monotonic() < deadline:
            time.sleep(0.1)

    def workers(self) -> list[int]:
        return children(self.process.pid) if self.process else []

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


# --- What is measured ----------------------------------------------------------------------------------


@dataclass
class Dataset:
    counts: dict[str, int]
    sector: str
    sector_ids: list[int]
    status: str
    subset_status: str
    subset_rows: int
    reference: str
    reference_reviews: int
    reference_evidence: int
    document: str
    mix: list[str]


def _sector_ids(rows: Sequence[tuple[int, str, int | None]], slug: str) -> list[int]:
    """The sector and everything below it (the API's sector filter matches children too)."""
    root = next(pk for pk, s, _parent in rows if s == slug)
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pk, _slug, parent_id in rows:
            if parent_id == parent and pk not in found:
                found.add(pk)
                frontier.append(pk)
    return sorted(found)


def discover(connection: psycopg.Connection[Any]) -> Dataset:
    """Pick the benchmark's parameters from the data: a busy sector, a common status, a commitment with
    about 20 reviews and 10 evidence, a status for a ~10 % CSV subset, and a deterministic request mix."""
    counts = {}
    for name, table in (
        ("commitments", "commitments_commitment"),
        ("reviews", "commitments_review"),
        ("evidence", "commitments_evidence"),
        ("citations", "commitments_reviewcitation"),
        ("documents", "commitments_document"),
        ("sectors", "commitments_sector"),
        ("users", "auth_user"),
    ):
        counts[name] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
    sectors = connection.execute("SELECT id, slug, parent_id FROM commitments_sector").fetchall()
    # The leaf sector with the most commitments (a parent would match most of the set).
    busy = connection.execute(
        "SELECT s.slug FROM commitments_commitmentsector cs JOIN commitments_sector s ON s.id = cs.sector_id "
        "WHERE NOT EXISTS (SELECT 1 FROM commitments_sector k WHERE k.parent_id = s.id) "
        "GROUP BY s.slug ORDER BY count(*) DESC, s.slug LIMIT 1"
    ).fetchone()
    sector = busy[0] if busy else sectors[0][1]
    sector_ids = _sector_ids(sectors, sector)
    common = connection.execute(
        "SELECT c.status FROM commitments_commitment c WHERE EXISTS (SELECT 1 FROM "
        "commitments_commitmentsector cs WHERE cs.commitment_id = c.id AND cs.sector_id = ANY(%s)) "
        "GROUP BY c.status ORDER BY count(*) DESC, c.status LIMIT 1",
        [sector_ids],
    ).fetchone()
    status = common[0] if common else "unassessed"
    subset = connection.execute(
        "SELECT status, count(*) FROM commitments_commitment GROUP BY status "
        "ORDER BY abs(count(*) - %s), status LIMIT 1",
        [counts["commitments"] // 10],
    ).fetchone()
    assert subset is not None
    chosen = connection.execute(
        "SELECT c.reference, d.slug, r.n, e.n FROM commitments_commitment c "
        "JOIN commitments_document d ON d.id = c.document_id "
        "JOIN (SELECT commitment_id, count(*) n FROM commitments_review GROUP BY 1) r "
        "  ON r.commitment_id = c.id "
        "JOIN (SELECT commitment_id, count(*) n FROM commitments_evidence GROUP BY 1) e "
        "  ON e.commitment_id = c.id "
        "ORDER BY abs(r.n - 20) + abs(e.n - 10), c.id LIMIT 1"
    ).fetchone()
    if chosen is None:  # no commitment with both: any commitment
        chosen = connection.execute(
            "SELECT c.reference, d.slug, 0, 0 FROM commitments_commitment c "
            "JOIN commitments_document d ON d.id = c.document_id ORDER BY c.id LIMIT 1"
        ).fetchone()
    assert chosen is not None
    return Dataset(
        counts=counts,
        sector=sector,
        sector_ids=sector_ids,
        status=status,
        subset_status=subset[0],
        subset_rows=subset[1],
        reference=chosen[0],
        reference_reviews=chosen[2],
        reference_evidence=chosen[3],
        document=chosen[1],
        mix=request_mix(connection, sector, status),
    )


def request_mix(connection: psycopg.Connection[Any], sector: str, status: str, size: int = 1000) -> list[str]:
    """A reproducible mix of reads as a research group makes them: lists with filters, details, keyword
    searches and a few reports (35 : 35 : 22 : 3, with 5 sorted lists)."""
    rng = random.Random(15)
    sectors = [
        row[0]
        for row in connection.execute(
            "SELECT s.slug FROM commitments_commitmentsector cs "
            "JOIN commitments_sector s ON s.id = cs.sector_id "
            "GROUP BY s.slug ORDER BY count(*) DESC, s.slug LIMIT 8"
        ).fetchall()
    ] or [sector]
    owners = [
        row[0]
        for row in connection.execute(
            "SELECT DISTINCT u.username FROM commitments_commitment c JOIN auth_user u ON u.id = c.owner_id "
            "ORDER BY u.username LIMIT 40"
        ).fetchall()
    ]
    references = [
        row[0]
        for row in connection.execute(
            "SELECT reference FROM commitments_commitment ORDER BY md5(id::text) LIMIT 300"
        ).fetchall()
    ]
    texts = connection.execute("SELECT text FROM commitments_commitment ORDER BY md5(id::text) LIMIT 200")
    words = sorted({w.lower() for (text,) in texts.fetchall() for w in re.findall(r"[A-Za-z]{6,}", text)})
    # Pages that exist: a status's list is as long as that status is common.
    pages = {
        status: max(1, math.ceil(n / 50))
        for status, n in connection.execute("SELECT status, count(*) FROM commitments_commitment GROUP BY 1")
    }
    statuses = sorted(pages)
    all_pages = max(1, math.ceil(sum(pages.values()) / 50))
    paths: list[str] = []

    def listing(**params: Any) -> str:
        return "/api/v1/commitments/?" + urlencode(params)

    for _ in range(size):
        draw = rng.random()
        if draw < 0.35:
            kind = rng.randrange(5)
            if kind == 0:
                paths.append(listing(sector=rng.choice(sectors), status=rng.choice(statuses)))
            elif kind == 1:
                paths.append(listing(sector=rng.choice(sectors)))
            elif kind == 2:
                status = rng.choice(statuses)
                paths.append(listing(status=status, page=rng.randint(1, min(10, pages[status]))))
            elif kind == 3 and owners:
                paths.append(listing(owner=rng.choice(owners)))
            else:
                paths.append(listing(page=rng.randint(1, min(20, all_pages))))
        elif draw < 0.70:
            paths.append(f"/api/v1/commitments/{rng.choice(references)}/")
        elif draw < 0.92:
            terms = " ".join(rng.sample(words, k=min(len(words), rng.choice([1, 1, 2])))) or "space"
            paths.append(listing(q=terms))
        elif draw < 0.97:
            paths.append(listing(ordering=rng.choice(["-last_reviewed_at", "target_date", "reference"])))
        else:
            paths.append(
                rng.choice(
                    [
                        "/api/v1/reports/progress/?group_by=sector",
                        "/api/v1/reports/progress/?group_by=status",
                        "/api/v1/reports/timeline/",
                    ]
                )
            )
    return paths


def _short(value: Any, limit: int = 400) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _difference(endpoint: Any, floor: Any) -> str:
    """Where two results first differ, for the console and the doc."""
    if isinstance(endpoint, tuple | list) and isinstance(floor, tuple | list):
        if len(endpoint) != len(floor):
            return f"lengths {len(endpoint)} vs {len(floor)}"
        for index, (a, b) in enumerate(zip(endpoint, floor, strict=True)):
            if a != b:
                return f"at [{index}]: " + _difference(a, b)
    if isinstance(endpoint, dict) and isinstance(floor, dict):
        for key in sorted(set(endpoint) | set(floor), key=str):
            if endpoint.get(key) != floor.get(key):
                return f"at [{key!r}]: endpoint {_short(endpoint.get(key))} floor {_short(floor.get(key))}"
    return f"endpoint {_short(endpoint)} floor {_short(floor)}"


def _asked_again_note(count: int) -> str:
    return (
        f"{count} repetition{'s' if count > 1 else ''} asked again after a difference, then the same "
        "(a review falling due between the request and its floor)"
    )


class Bench:
    def __init__(self, options: Options, server: Server, connection: psycopg.Connection[Any], data: Dataset):
        self.options, self.server, self.connection, self.data = options, server, connection, data
        self.rows: list[Row] = []
        self.empty_ms: float | None = None
        from django.conf import settings

        self.staleness = floors.Staleness(settings.COMMITMENT_REVIEW_INTERVAL_DAYS)
        self.time_zone = str(settings.TIME_ZONE)

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return get(self.server.port, path, headers or API_HEADERS)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        print(console_line(row), flush=True)

    # --- Endpoints with a floor, interleaved ---

    def _agree_when_asked_again(
        self,
        path: str,
        headers: dict[str, str] | None,
        key: Callable[[bytes], Any],
        floor: Callable[[Any], Any],
    ) -> bool:
        """After a mismatch, the request and its floor once more: whether they agree now.

        The endpoint and its floor each judge "stale" at their own moment, a second or two apart for an
        export; a commitment whose review falls due in between reads differently in the two (seen at
        100,000 commitments: one row of a CSV). A real difference repeats; that one does not. The row's
        notes say how often a repetition was asked again."""
        response = self.get(path, headers)
        return response.status == 200 and key(response.body) == floor(self.connection)

    def endpoint(
        self,
        name: str,
        label: str,
        path: str,
        *,
        floor: floors.Floor | None,
        key: Callable[[bytes], Any] | None,
        target: float | None,
        with_empty: bool,
        headers: dict[str, str] | None = None,
        target_text: str | None = None,
    ) -> Row | None:
        """Warm-up, then per repetition: the request, the floor, and (reads) the empty endpoint."""
        if not self.options.wants(name):
            return None
        for _ in range(self.options.warmup):
            self.get(path, headers)
            if floor is not None:
                floor(self.connection)
            if with_empty:
                self.get(EMPTY)
        times: list[float] = []
        floor_times: list[float] = []
        empty_times: list[float] = []
        same = True
        problems: list[str] = []
        asked_again = 0
        for rep in range(self.options.reps):
            response = self.get(path, headers)
            times.append(response.seconds)
            result = None
            if floor is not None:
                started = time.perf_counter()
                result = floor(self.connection)
                floor_times.append(time.perf_counter() - started)
            if with_empty:
                empty_times.append(self.get(EMPTY).seconds)
            problem = ""
            if response.status != 200:
                problem = f"HTTP {response.status}: {response.body[:300]!r}"
            elif key is not None and floor is not None:
                answer = key(response.body)
                if answer != result:
                    if self._agree_when_asked_again(path, headers, key, floor):
                        asked_again += 1
                    else:
                        problem = "MISMATCH " + _difference(answer, result)
            if problem:
                same = False
                if not problems:
                    print(f"!!! {name} repetition {rep + 1}: {problem}", file=sys.stderr, flush=True)
                problems.append(problem)
        row = Row(name, label, target_text or ("report only" if target is None else f"≤ {target:g}×"))
        row.timed(times)
        row.same = same
        notes = []
        if floor_times:
            row.floor_samples_ms = [s * 1000 for s in floor_times]
            row.floor_ms = statistics.median(row.floor_samples_ms)
            empty = statistics.median(empty_times) if empty_times else 0.0
            row.ratio = ratio(statistics.median(times), statistics.median(floor_times), empty)
            if empty_times:
                notes.append(f"t_sql {_ms(row.floor_ms)} + t_empty {_ms(empty * 1000)}")
                row.extra["empty_samples_ms"] = [s * 1000 for s in empty_times]
        if target is not None and row.ratio is not None:
            row.met = row.ratio <= target
        if problems:
            notes.append(f"{len(problems)}/{self.options.reps} differ: {problems[0][:200]}")
            row.extra["problems"] = problems[:5]
        if asked_again:
            notes.append(_asked_again_note(asked_again))
            row.extra["asked_again"] = asked_again
        row.notes = "; ".join(notes)
        self.add(row)
        return row

    def api_root(self) -> None:
        row = self.endpoint(
            "api-root",
            "`/api/v1/` (API root: t_empty)",
            EMPTY,
            floor=None,
            key=None,
            target=None,
            with_empty=False,
        )
        if row is not None:
            self.empty_ms = row.median_ms

    def lists(self) -> None:
        data, staleness = self.data, self.staleness
        filtered = f"/api/v1/commitments/?sector={data.sector}&status={data.status}"
        where = floors.filter_sql(statuses=[data.status], sector_ids=data.sector_ids)
        first = self.endpoint(
            "list-filtered",
            f"list `?sector={data.sector}&status={data.status}`, page 1",
            filtered,
            floor=floors.ListQuery(where).floor(staleness),
            key=floors.list_key,
            target=2.0,
            with_empty=True,
        )
        pages = max(1, math.ceil(data.counts["commitments"] / 50))
        if self.options.wants("list-cursor"):
            wanted = min(201, pages)
            path, after, page = "/api/v1/commitments/?mode=cursor&page_size=50", 0, 1
            while page < wanted:  # follow `next` once, as a client would, to the deep page's URL
                body = json.loads(self.get(path).body)
                if not body.get("next"):
                    break
                after = body["results"][-1]["id"]
                link = urlsplit(body["next"])
                path, page = f"{link.path}?{link.query}", page + 1
            cursor_row = self.endpoint(
                "list-cursor",
                f"list, cursor mode, page {page}",
                path,
                floor=floors.ListQuery(
                    floors.sql.SQL("c.id > {}").format(floors.sql.Literal(after)), order="c.id", count=False
                ).floor(staleness),
                key=floors.list_key,
                target=2.0,
                with_empty=True,
                target_text="≤ 2×, ≤ page 1",
            )
            if cursor_row is not None and first is not None and cursor_row.median_ms and first.median_ms:
                deep = cursor_row.median_ms <= first.median_ms
                cursor_row.met = bool(cursor_row.met) and deep
                cursor_row.notes += f"; page 1 {_ms(first.median_ms)}"
        page = min(250, pages)
        self.endpoint(
            "list-page-250",
            f"list `?page={page}`",
            f"/api/v1/commitments/?page={page}",
            floor=floors.ListQuery(floors.filter_sql(), offset=(page - 1) * 50).floor(staleness),
            key=floors.list_key,
            target=2.0,
            with_empty=True,
        )

    def detail(self) -> None:
        data = self.data
        self.endpoint(
            "detail",
            f"detail `{data.reference}` "
            f"({data.reference_reviews} reviews, {data.reference_evidence} evidence)",
            f"/api/v1/commitments/{data.reference}/",
            floor=floors.detail_floor(data.reference, self.staleness),
            key=floors.detail_key,
            target=2.0,
            with_empty=True,
        )

    def reports(self) -> None:
        from django.utils import timezone

        from commitments.reports import end_of_day

        self.endpoint(
            "report-progress",
            "progress `?group_by=sector`",
            "/api/v1/reports/progress/?group_by=sector",
            floor=floors.progress_floor(self.staleness),
            key=floors.progress_key,
            target=1.5,
            with_empty=False,
        )
        day = timezone.localdate() - datetime.timedelta(days=730)
        self.endpoint(
            "report-as-of",
            f"progress `?group_by=sector&as_of={day}`",
            f"/api/v1/reports/progress/?group_by=sector&as_of={day}",
            floor=floors.progress_as_of_floor(day, end_of_day(day), self.staleness),
            key=floors.progress_key,
            target=1.5,
            with_empty=False,
        )
        self.endpoint(
            "report-timeline",
            "timeline (monthly)",
            "/api/v1/reports/timeline/",
            floor=floors.timeline_floor(self.time_zone),
            key=floors.timeline_key,
            target=1.5,
            with_empty=False,
        )

    # --- CSV export: rows per second and the serving worker's memory ---

    def csv(self) -> None:
        data = self.data
        site = f"http://127.0.0.1:{self.server.port}"
        everything = self._csv(
            "csv-all",
            f"CSV export, all {data.counts['commitments']:,}",
            "/api/v1/commitments/?format=csv",
            floors.filter_sql(),
            site,
        )
        subset = self._csv(
            "csv-subset",
            f"CSV export, `status={data.subset_status}` ({data.subset_rows:,})",
            f"/api/v1/commitments/?format=csv&status={data.subset_status}",
            floors.filter_sql(statuses=[data.subset_status]),
            site,
        )
        if everything is not None and subset is not None:
            growth = everything.extra["peak_mb"] - subset.extra["peak_mb"]
            flat = growth < 20  # MB: the same streaming buffers whatever the length
            everything.met = bool(everything.met) and flat
            everything.notes += f"; {growth:+.0f} MB vs the subset ({'flat' if flat else 'grows'})"

    def _csv(self, name: str, label: str, path: str, where: Any, site: str) -> Row | None:
        if not self.options.wants(name):
            return None
        floor = floors.copy_floor(where, self.staleness, self.time_zone, site)
        for _ in range(min(self.options.warmup, 2)):
            self.get(path, CSV_HEADERS)
            floor(self.connection)
        times: list[float] = []
        floor_times: list[float] = []
        peaks: list[int] = []
        base: list[int] = []
        same, problem, rows, asked_again = True, "", 0, 0
        for _ in range(self.options.reps):
            with PeakMemory(self.server.workers()) as memory:
                response = self.get(path, CSV_HEADERS)
            times.append(response.seconds)
            _pid, before, peak = memory.serving()
            peaks.append(peak)
            base.append(before)
            started = time.perf_counter()
            copied = floor(self.connection)
            floor_times.append(time.perf_counter() - started)
            answer, expected = floors.csv_key(response.body), floors.csv_key(copied)
            rows = len(answer)
            if answer != expected and self._agree_when_asked_again(
                path, CSV_HEADERS, floors.csv_key, lambda connection: floors.csv_key(floor(connection))
            ):
                asked_again += 1
                expected = answer
            if response.status != 200 or answer != expected:
                same = False
                problem = problem or f"HTTP {response.status}; " + _difference(answer, expected)
                print(f"!!! {name}: {problem}", file=sys.stderr, flush=True)
        row = Row(name, label, "≥ 50,000 rows/s, peak < 200 MB" + (", flat" if name == "csv-all" else ""))
        row.timed(times)
        row.floor_samples_ms = [s * 1000 for s in floor_times]
        row.floor_ms = statistics.median(row.floor_samples_ms)
        row.ratio = ratio(statistics.median(times), statistics.median(floor_times))
        rate = rows / statistics.median(times)
        floor_rate = rows / statistics.median(floor_times)
        peak_mb = max(peaks) / 1024
        row.extra.update(
            rows=rows,
            rows_per_second=rate,
            floor_rows_per_second=floor_rate,
            peak_mb=peak_mb,
            before_mb=statistics.median(base) / 1024,
            peak_samples_mb=[p / 1024 for p in peaks],
        )
        row.met = rate >= 50_000 and peak_mb < 200
        row.same = same
        row.notes = (
            f"{rate:,.0f} rows/s (COPY {floor_rate:,.0f}); worker peak {peak_mb:.0f} MB "
            f"(idle {row.extra['before_mb']:.0f} MB)"
        )
        if problem:
            row.notes += f"; differs: {problem[:200]}"
        if asked_again:
            row.notes += "; " + _asked_again_note(asked_again)
            row.extra["asked_again"] = asked_again
        self.add(row)
        return row

    # --- The admin: timed over HTTP as a logged-in superuser, its SQL captured in-process ---

    def admin(self) -> None:
        wanted = [n for n in ("admin-changelist", "admin-changelist-filtered") if self.options.wants(n)]
        if not wanted:
            return
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        User = get_user_model()
        user = User.objects.filter(username="bench-admin").first()
        if user is None:
            user = User.objects.create_superuser("bench-admin", "bench-admin@example.org", None)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}", **HTML_HEADERS}
        base = "/admin/commitments/commitment/"
        for name, label, path in (
            ("admin-changelist", "admin changelist", base),
            (
                "admin-changelist-filtered",
                f"admin changelist `?status__exact={self.data.status}`",
                f"{base}?status__exact={self.data.status}",
            ),
        ):
            if name not in wanted:
                continue
            with CaptureQueriesContext(connection) as captured:
                client.get(path)
            statements = [query["sql"] for query in captured.captured_queries]
            full_counts = [
                s
                for s in statements
                if "COUNT(*)" in s.upper() and "commitments_commitment" in s and " WHERE " not in s
            ]
            row = self.endpoint(
                name, label, path, floor=None, key=None, target=None, with_empty=False, headers=cookie
            )
            if row is None:
                continue
            page = self.get(path, cookie).body
            row.same = row.same and b'id="result_list"' in page
            row.target = "< 300 ms, no full-table COUNT(*)"
            row.met = row.median_ms is not None and row.median_ms < 300 and not full_counts
            row.notes = f"{len(statements)} queries; full-table COUNT(*): {'yes' if full_counts else 'none'}"
            row.extra["queries"] = statements
            print(f"  -> {row.notes}, met {_flag(row.met)}")

    # --- Load ---

    def mixed(self) -> None:
        if self.options.wants("mixed-closed"):
            result = closed_loop(
                self.server.port,
                self.data.mix,
                clients=self.options.clients,
                seconds=self.options.mixed_seconds,
                headers=API_HEADERS,
            )
            row = Row("mixed-closed", f"mixed reads, {self.options.clients} clients, closed loop", "")
            row.timed(result.latencies)
            row.target = "≥ 60 req/s, 0 errors"
            row.met = result.rate >= 60 and result.errors == 0
            row.same = result.errors == 0
            row.notes = f"{result.rate:.1f} req/s over {result.seconds:.0f} s; {result.errors} errors"
            if result.error_examples:
                row.notes += f" ({result.error_examples[0]})"
            row.extra.update(rate=result.rate, errors=result.errors, requests=result.requests)
            row.samples_ms = []  # thousands of them: the median and p95 say enough
            self.add(row)
        if self.options.wants("mixed-open"):
            rate = self.options.open_rate
            result = open_loop(
                self.server.port,
                self.data.mix,
                rate=rate,
                seconds=self.options.open_seconds,
                headers=API_HEADERS,
            )
            row = Row("mixed-open", f"mixed reads, open loop at {rate:g} req/s", "p95 < 150 ms")
            row.timed(result.latencies)
            row.met = row.p95_ms is not None and row.p95_ms < 150 and result.errors == 0
            row.same = result.errors == 0
            row.notes = f"{result.requests} requests over {result.seconds:.0f} s; {result.errors} errors"
            row.extra.update(errors=result.errors, requests=result.requests)
            row.samples_ms = []
            self.add(row)

    # --- The reminder job, in-process as the Celery task runs it ---

    def reminders(self) -> None:
        if not self.options.wants("reminders"):
            return
        from django.core import mail
        from django.db import connection
        from django.utils import timezone

        from commitments.models import Reminder
        from commitments.reminders import Outcome, send_digests

        today = timezone.localdate()

        def restore() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE commitments_commitment SET snoozed_until = NULL, snooze_reason = '' "
                    "WHERE snooze_reason = %s",
                    [HALF_SIZE_MARK],
                )

        def once(dry_run: bool = False) -> tuple[float, int, int, int, bool]:
            Reminder.objects.filter(day=today).delete()  # each run sends the day's digests afresh
            mail.outbox = []
            # Counted by a wrapper: CaptureQueriesContext keeps only the last 9,000 queries.
            statements = 0

            def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                nonlocal statements
                statements += 1
                return execute(sql, params, many, context)

            with connection.execute_wrapper(count):
                started = time.perf_counter()
                summary = send_digests(dry_run=dry_run)
                seconds = time.perf_counter() - started
            sent = summary.count(Outcome.WOULD_SEND if dry_run else Outcome.SENT)
            items = sum(len(delivery.digest.items) for delivery in summary.deliveries)
            return seconds, statements, sent, items, not summary.failures

        restore()  # a run interrupted halfway leaves its snoozes behind
        once()  # warm-up: templates compiled, caches filled
        runs = [once() for _ in range(self.options.reminder_runs)]
        planning = once(dry_run=True)[1]
        try:
            # Half the data: every other unsnoozed commitment snoozed, so about half the items are due.
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE commitments_commitment SET snoozed_until = %s, snooze_reason = %s "
                    "WHERE snoozed_until IS NULL AND id %% 2 = 0",
                    [today + datetime.timedelta(days=3650), HALF_SIZE_MARK],
                )
            half = once()
        finally:
            restore()
            Reminder.objects.filter(day=today).delete()
        _seconds, queries, sent, items, _ok = runs[0]
        per_digest = (queries - planning) / sent if sent else 0.0
        half_per_digest = (half[1] - planning) / half[2] if half[2] else 0.0
        independent = per_digest == half_per_digest
        row = Row("reminders", "reminder job (send_digests)", "< 3 s, queries independent of size")
        row.timed([run[0] for run in runs])
        row.same = all(run[1:] == runs[0][1:] and run[4] for run in runs)
        row.met = row.median_ms is not None and row.median_ms < 3000 and independent
        row.notes = (
            f"{queries} queries = {planning} to plan + {per_digest:g} × {sent} digests ({items:,} items); "
            f"half the items ({half[3]:,}): {half[1]} = {planning} + {half_per_digest:g} × {half[2]}"
        )
        row.extra.update(
            queries=queries, digests=sent, items=items, half=list(half), planning_queries=planning
        )
        self.add(row)

    # --- The link checker's planning, in-process as the beat job runs it: report only ---

    def link_plan(self) -> None:
        """plan_batch (commitments/linkcheck.py) over every evidence row, twice: before any link was checked
        (its first batch makes the link rows it claims) and in the steady state (every link checked, 1 in
        100 due). Each repetition runs in a transaction that is rolled back: the dataset keeps no link."""
        if not self.options.wants("link-plan"):
            return
        from django.conf import settings
        from django.db import connection, transaction

        from commitments import linkcheck
        from commitments.models import Evidence

        limit = int(settings.TRACKER_LINK_CHECK_BATCH)

        def once(steady: bool) -> tuple[float, int, int]:
            statements = 0

            def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                nonlocal statements
                statements += 1
                return execute(sql, params, many, context)

            with transaction.atomic():
                if steady:
                    with connection.cursor() as cursor:
                        cursor.execute(STEADY_LINKS)
                with connection.execute_wrapper(count):
                    started = time.perf_counter()
                    batch = linkcheck.plan_batch(limit=limit)
                    seconds = time.perf_counter() - started
                transaction.set_rollback(True)
            return seconds, statements, len(batch.evidence_ids)

        evidence = Evidence.objects.count()
        once(False)  # warm-up
        first = [once(False) for _ in range(self.options.reps)]
        steady = [once(True) for _ in range(max(2, self.options.reps // 4))]
        row = Row("link-plan", f"link-check batch plan over {evidence:,} evidence", "report only")
        row.timed([run[0] for run in first])
        # The same queries and a full batch every time, whatever the number of rows.
        row.same = all(run[1:] == first[0][1:] for run in first) and first[0][2] == min(limit, evidence)
        row.same = row.same and all(run[1:] == steady[0][1:] for run in steady)
        steady_ms = statistics.median(run[0] for run in steady) * 1000
        row.notes = (
            f"{first[0][1]} queries for a batch of {first[0][2]} (no link checked yet); steady state "
            f"(1 in 100 due): {steady_ms:.1f} ms, {steady[0][1]} queries; in-process, rolled back"
        )
        row.extra.update(queries=first[0][1], steady_ms=steady_ms, steady_queries=steady[0][1], batch=limit)
        self.add(row)

    # --- The public pages: report only ---

    def public(self) -> None:
        data = self.data
        for name, label, path in (
            ("public-overview", "page `/`", "/"),
            ("public-list", "page `/commitments/`", "/commitments/"),
            (
                "public-list-status",
                f"page `/commitments/?status={data.status}`",
                f"/commitments/?status={data.status}",
            ),
            ("public-detail", f"page `/commitments/{data.reference}/`", f"/commitments/{data.reference}/"),
            ("public-document", f"page `/documents/{data.document}/`", f"/documents/{data.document}/"),
            ("public-feed", "feed `/feeds/changes/`", "/feeds/changes/"),
        ):
            self.endpoint(
                name, label, path, floor=None, key=None, target=None, with_empty=False, headers=HTML_HEADERS
            )

    def extraction(self) -> None:
        if not self.options.wants("extraction"):
            return
        from benchmarks.extraction import run as extract

        (measurement,) = extract(pages=300, runs=self.options.extraction_runs, formats=["txt"])
        row = Row("extraction", "extraction of a 300-page document (text)", "< 5 s")
        row.timed(measurement.seconds)
        row.met = row.median_ms is not None and row.median_ms < 5000
        row.same = measurement.commitments > 0
        row.notes = f"{measurement.commitments:,} commitments; in-process (benchmarks/extraction.py)"
        self.add(row)


# --- The report ----------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kb = int(line.split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "reference_loop_ms": reference_loop_ms(),
    }


def reference_loop_ms() -> float:
    """A fixed pure-Python workload, timed (median of 5): how fast this machine's cores are at the time of
    the run. Machines of one kind differ from day to day (seen here: 2.9 times apart), and every absolute
    figure of a run moves with it; the ratios to the SQL floors much less."""

    def work() -> int:
        total = 0
        for i in range(1_000_000):
            total += i * i % 7
        return total

    samples = []
    for _ in range(5):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def git_commit() -> str:
    def git(*args: str) -> str:
        # rstrip: a porcelain line starts with a space (" M path"), which strip() would eat.
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.rstrip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    # The report's own files do not count: the last run rewrote them.
    changed = [line for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
               if not line[3:].startswith("docs/benchmarks.")]  # fmt: skip
    return commit + (" + uncommitted changes" if changed else "")


NOTES = """\
## How it is measured

- **Server.** `gunicorn -c gunicorn.conf.py tracker.wsgi` with `GUNICORN_WORKERS=2` (sync workers) on a free
  loopback port, production settings: `DJANGO_DEBUG=0`, a random `DJANGO_SECRET_KEY`,
  `DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost`, `DATABASE_URL` to the benchmark database, static files
  collected (whitenoise's manifest) into `staticfiles/`. Three departures from production, each for a loopback
  benchmark: `DJANGO_SECURE_SSL_REDIRECT=0` (production redirects plain HTTP to HTTPS; a TLS proxy sits in
  front there), `TRACKER_API_THROTTLE_ANON`/`_USER=1000000/minute` (the throttle still runs, a cache read and
  write per request, but never answers 429 to the load), and `GUNICORN_MAX_REQUESTS=0` (no worker recycled
  mid-measurement). No `REDIS_URL`: the throttle's counters are in each worker's memory.
- **Client.** The harness, on the same two cores, with `http.client`: one connection per request (sync
  workers close it after each response), timed from connect to the last byte of the body.
- **Repetitions.** Per path a warm-up, then each repetition is one request followed at once by the path's
  SQL floor and, for the API reads, one request to the empty endpoint: the three are interleaved, so a
  slow moment of the machine touches all of them. Median and p95 over the repetitions.
- **t_empty** is the API root `/api/v1/`: the same middleware, authentication, permission, throttle,
  content negotiation and JSON renderer as every API read, and no query.
- **Floors** (`benchmarks/floors.py`): hand-written SQL replayed with psycopg 3 on the harness's own
  connection (`SET jit = off`, as the app's; psycopg prepares a statement from its fifth run), `execute` +
  `fetchall()`. They return what the answer carries: for a list, the page count and the 50 rows in the
  same order with document, section, status, owner, staleness, evidence count, the latest review (through
  a LATERAL join on the review index) and the sectors; for the detail, also every evidence and review with
  its citations; for the reports, the counts per group and status and the stale counts; for the timeline,
  the counts per month. Not the section path (headings above a commitment's section). **same result** says
  that, on every repetition, the floor's ids or numbers equal the endpoint's (a repetition that differs is
  asked again once, request and floor: each judges "stale" at its own moment, and a review falling due
  in between is not a difference; the notes count such repetitions); for rows without a floor, that every
  answer was right (200, the admin's result list, the same digests each reminder run, 0 load errors).
- **Ratios.** API reads: `t / (t_sql + t_empty)`, medians. Reports: `t / t_sql`. CSV: wall time over the
  `COPY (SELECT the same columns) TO STDOUT WITH CSV` floor (the ratio of rows per second, inverted).
- **CSV memory.** The peak RSS of the worker that served the export: VmHWM after resetting it
  (`/proc/<pid>/clear_refs`) and VmRSS sampled every 5 ms, whichever is higher. "Flat": the full export's
  peak is within 20 MB of the ~10 % subset's.
- **Admin.** Timed over HTTP with a superuser's session (`bench-admin`, made in the database by the
  harness); its SQL captured once in-process (`django.test.Client` + `CaptureQueriesContext`) to look for a
  `COUNT(*)` over the whole table.
- **Mixed reads.** 35 % lists (sector, status, owner filters, pages 1-20), 35 % details, 22 % keyword
  searches (`?q=`, one or two words from the data), 5 % sorted lists, 3 % reports; a fixed seed. Closed loop:
  16 client threads for the duration. Open loop: requests started every 50 ms whatever the answers,
  latency counted from the scheduled start.
- **Reminders.** `commitments.reminders.send_digests()`, what the Celery task runs, in-process with the
  locmem e-mail backend, its queries captured; the day's `Reminder` rows are deleted before each run so
  each sends every digest. Run again with every other commitment snoozed (restored afterwards) to show
  that the query count follows the number of digests, not of commitments.
- **Link-check planning.** `commitments.linkcheck.plan_batch()` for one beat batch
  (`TRACKER_LINK_CHECK_BATCH`), in-process, in a transaction rolled back after each repetition: over every
  evidence row before any link was checked (the batch makes the link rows it claims), and in the steady
  state (every link checked, 1 in 100 due). Its statements are counted: the same whatever the size.
- **Extraction.** `benchmarks.extraction.run(pages=300, formats=["txt"])`, in-process.
"""


def markdown(report: dict[str, Any], rows: list[Row]) -> str:
    m, d = report["machine"], report["dataset"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/harness.py`); run it again rather than editing this file.",
        f"The same figures, with every sample, are in `{report['json']}`.",
        "",
        f"- **Date:** {report['date']}",
        f"- **Commit:** {report['commit']}",
        f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM; Linux {m['kernel']}; "
        f"Python {m['python']}; reference loop {m.get('reference_loop_ms', '—')} ms (`reference_loop_ms`: "
        "lower is faster; compare it before comparing two runs' absolute figures)",
        f"- **PostgreSQL:** {report['postgres']}",
        f"- **Dataset:** {d['commitments']:,} commitments, {d['reviews']:,} reviews, "
        f"{d['evidence']:,} evidence, {d['citations']:,} citations, {d['documents']:,} documents, "
        f"{d['sectors']} sectors, {d['users']:,} users (`generate_benchmark_data --seed 1`)",
        f"- **Run:** {report['options']['reps']} repetitions per path after {report['options']['warmup']} "
        f"warm-up; mixed load {report['options']['mixed_seconds']:g} s closed, "
        f"{report['options']['open_seconds']:g} s open; took {report['seconds'] / 60:.1f} min; "
        f"load average (1 min) {report['load_average']['before'][0]:.2f} before, "
        f"{report['load_average']['after'][0]:.2f} after",
        "",
        *table_lines(rows),
        "",
        NOTES,
    ]
    return "\n".join(lines)


# Below this line docs/benchmarks.md is written by hand (what each fix changed, why a target is missed);
# a run rewrites everything above it and keeps the rest.
NOTES_MARKER = "<!-- notes: written by hand, kept by make bench -->"


def kept_notes(output: Path) -> str:
    """The hand-written part of the existing report, from NOTES_MARKER on, or nothing."""
    if not output.exists():
        return ""
    text = output.read_text(encoding="utf-8")
    at = text.find(NOTES_MARKER)
    return "" if at < 0 else "\n\n" + text[at:]


def write_report(options: Options, report: dict[str, Any], rows: list[Row]) -> None:
    output = options.output
    json_path = output.with_suffix(".json")
    output.parent.mkdir(parents=True, exist_ok=True)
    report["json"] = json_path.name
    output.write_text(markdown(report, rows) + kept_notes(output), encoding="utf-8")
    json_path.write_text(
        json.dumps({**report, "rows": [asdict(row) for row in rows]}, indent=1, default=str) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {output} and {json_path}")


# --- Running it ----------------------------------------------------------------------------------------


def run(options: Options) -> list[Row]:
    """Prepare, serve, measure, stop, write: the rows of the table, in its order."""
    started = time.monotonic()
    load_before = os.getloadavg()
    port = free_port()
    env = production_env(options.database_url, port)
    os.environ.update(env)  # the in-process parts (admin SQL, reminders) run with the same settings
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    prepare_database(options, env)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"tracker-bench-gunicorn-{port}.log"
    server = Server(env, port, log)
    with psycopg.connect(options.database_url, autocommit=True) as connection:
        connection.execute("SET jit = off")
        postgres = connection.execute("SELECT version()").fetchone()[0]  # type: ignore[index]
        data = discover(connection)
        print(
            f"dataset: {data.counts}; sector {data.sector}, status {data.status}, detail {data.reference}",
            flush=True,
        )
        server.start()
        try:
            bench = Bench(options, server, connection, data)
            for _ in range(options.warmup * 4):  # both workers through their first requests
                bench.get(EMPTY)
            bench.api_root()
            bench.lists()
            bench.detail()
            bench.reports()
            bench.csv()
            bench.admin()
            bench.mixed()
            bench.public()
        finally:
            server.stop()
    bench.reminders()
    bench.link_plan()
    bench.extraction()
    report = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git_commit(),
        "machine": machine(),
        "postgres": str(postgres).split(" on ")[0],
        "dataset": data.counts,
        "parameters": {
            "sector": data.sector,
            "status": data.status,
            "subset_status": data.subset_status,
            "reference": data.reference,
            "document": data.document,
        },
        "options": {
            "reps": options.reps,
            "warmup": options.warmup,
            "mixed_seconds": options.mixed_seconds,
            "open_seconds": options.open_seconds,
            "clients": options.clients,
            "open_rate": options.open_rate,
            "quick": options.quick,
        },
        "seconds": time.monotonic() - started,
        # Anything else running on the box shows here: the figures are only as quiet as the machine.
        "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
    }
    write_report(options, report, bench.rows)
    return bench.rows


def parse(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url", help=f"PostgreSQL database to (re)create (default {DEFAULT_DATABASE_URL})"
    )
    parser.add_argument("--commitments", type=int, help="dataset size (default 100000; --quick 2000)")
    parser.add_argument("--reps", type=int, help="repetitions per path (default 20; --quick 5)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data if it exists")
    parser.add_argument(
        "--quick", action="store_true", help="a small run: 2,000 commitments, 5 reps, short load"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=[],
        help=f"paths or groups (list, report, csv, admin, mixed, public): {', '.join(PATH_NAMES)}",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    only = tuple(name for value in args.only for name in value.split(",") if name)
    groups = {name.split("-")[0] for name in PATH_NAMES}
    unknown = [name for name in only if name not in PATH_NAMES and name not in groups]
    if unknown:
        parser.error(f"unknown path(s) {', '.join(unknown)}; choose from {', '.join(PATH_NAMES)}")
    quick = bool(args.quick)
    default_url = (
        database_url_named(DEFAULT_DATABASE_URL, QUICK_DATABASE_NAME) if quick else DEFAULT_DATABASE_URL
    )
    return Options(
        database_url=args.database_url or default_url,
        commitments=args.commitments or (2_000 if quick else 100_000),
        reps=args.reps or (5 if quick else 20),
        warmup=2 if quick else 5,
        mixed_seconds=4 if quick else 30,
        open_seconds=4 if quick else 30,
        reminder_runs=2 if quick else 5,
        extraction_runs=1 if quick else 3,
        only=only,
        output=args.output,
        reuse=bool(args.reuse),
        quick=quick,
    )


def main(argv: Sequence[str] | None = None) -> None:
    rows = run(parse(argv))
    if not all(row.same for row in rows):
        print(
            "!!! some floors returned a different result than their endpoint: see 'same result'",
            file=sys.stderr,
        )
        raise SystemExit(1)


if __name__ == "__main__":
    main()
