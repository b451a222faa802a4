"""HTTP against the benchmarked gunicorn (benchmarks/harness.py): single timed requests, closed- and
open-loop load, and the memory of gunicorn's workers. Standard library only: no new dependency.

gunicorn's sync workers close the connection after each response, so every request opens its own; the
empty endpoint pays the same connect, so the ratios are not skewed by it.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)


def get(port: int, path: str, headers: Mapping[str, str] | None = None, timeout: float = 300) -> Response:
    """GET `path` from 127.0.0.1:`port`, timed from connect to the last byte of the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "identity", **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        return Response(response.status, body, seconds, {k.lower(): v for k, v in response.getheaders()})
    finally:
        connection.close()


def wait_until_up(port: int, path: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            if get(port, path, timeout=5).status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


# --- Load ------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seconds: float
    latencies: list[float]  # of every completed request, successful or not
    errors: int
    error_examples: list[str]

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


class _Tally:
    """What the client threads of one load run record: every latency, the errors and a few examples."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.examples: list[str] = []
        self.errors = 0

    def record(self, elapsed: float, ok: bool, problem: str) -> None:
        with self.lock:
            self.latencies.append(elapsed)
            if not ok:
                self.errors += 1
                if len(self.examples) < 5:
                    self.examples.append(problem)

    def result(self, seconds: float) -> LoadResult:
        return LoadResult(seconds, self.latencies, self.errors, self.examples)


def _one(port: int, path: str, headers: Mapping[str, str]) -> tuple[bool, str]:
    try:
        response = get(port, path, headers, timeout=60)
    except OSError as error:
        return False, f"{path}: {error!r}"
    if response.status != 200:
        return False, f"{path}: HTTP {response.status}"
    return True, ""


def closed_loop(
    port: int,
    paths: Sequence[str],
    *,
    clients: int,
    seconds: float,
    headers: Mapping[str, str],
    seed: int = 1,
) -> LoadResult:
    """`clients` threads, each sending its next request as soon as the last one is answered."""
    tally = _Tally()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)  # each client its own, reproducible sequence
        while time.monotonic() < deadline:
            started = time.perf_counter()
            ok, problem = _one(port, rng.choice(paths), headers)
            tally.record(time.perf_counter() - started, ok, problem)

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally.result(time.monotonic() - started)


def open_loop(
    port: int, paths: Sequence[str], *, rate: float, seconds: float, headers: Mapping[str, str], seed: int = 2
) -> LoadResult:
    """Requests started on a fixed schedule of `rate` per second whatever the answers' speed.

    Latency counts from the scheduled start, not from when a thread got to it: a server that falls behind
    shows it in the figures (no coordinated omission).
    """
    rng = random.Random(seed)
    count = int(rate * seconds)
    schedule = [(n / rate, rng.choice(paths)) for n in range(count)]
    tally = _Tally()
    origin = time.perf_counter()

    def send(offset: float, path: str) -> None:
        ok, problem = _one(port, path, headers)
        tally.record(time.perf_counter() - (origin + offset), ok, problem)

    with ThreadPoolExecutor(max_workers=64) as pool:
        for offset, path in schedule:
            delay = origin + offset - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, offset, path)
    return tally.result(time.perf_counter() - origin)


# --- Worker memory ---------------------------------------------------------------------------------------


def children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (gunicorn's workers, given the master's pid)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the fields after it are fixed.
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry.name))
    return sorted(found)


def status_kb(pid: int, name: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM), 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: `5` into clear_refs; needs the right to write it)."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """The peak RSS of each of `pids` during a `with` block: VmHWM after a reset where the kernel lets us,
    and samples of VmRSS every few milliseconds in a thread either way (whichever is higher)."""

    def __init__(self, pids: Sequence[int], interval: float = 0.005) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.start: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.hwm_reset = False

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak.get(pid, 0), status_kb(pid, "VmRSS"))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.hwm_reset = all(reset_peak(pid) for pid in self.pids)
        self.start = {pid: status_kb(pid, "VmRSS") for pid in self.pids}
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        if self.hwm_reset:
            for pid in self.pids:
                self.peak[pid] = max(self.peak.get(pid, 0), status_kb(pid, "VmHWM"))

    def serving(self) -> tuple[int, int, int]:
        """(pid, RSS before, peak RSS) in kB of the worker that grew most: the one that served."""
        pid = max(self.pids, key=lambda p: self.peak.get(p, 0) - self.start.get(p, 0))
        return pid, self.start.get(pid, 0), self.peak.get(pid, 0)
