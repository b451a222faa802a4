"""The database hanging or too slow costs a request the configured timeout, never a held worker
(issue 16): gunicorn in production mode reaches PostgreSQL through a loopback proxy that can be
switched to a listener that accepts and never answers. Every request that needs the database then
answers 503 (JSON with Retry-After under /api/) within TRACKER_DB_CONNECT_TIMEOUT, /healthz still
answers, /readyz says what is down, and once the database answers again so does every request. A
statement held up by a lock past TRACKER_DB_STATEMENT_TIMEOUT_MS is cancelled the same way."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from benchmarks.harness import Server, free_port, manage, production_env
from tests.api_helpers import catalogue

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CONNECT_TIMEOUT = 2  # seconds
STATEMENT_TIMEOUT_MS = 1500
SLACK = 1.5  # seconds a request may take beyond the timeout (Python, gunicorn, the proxy)


class FlakyDatabase:
    """A TCP proxy on loopback to PostgreSQL that can hang: in hang mode it drops the connections it
    carries (the database restarted) and accepts new ones without ever answering (it hangs)."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.hanging = False
        self.carried: list[socket.socket] = []
        self.held: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                if self.hanging:
                    self.held.append(client)  # accepted, never answered
                    continue
                upstream = socket.create_connection(self.target)
                self.carried += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def hang(self) -> None:
        with self.lock:
            self.hanging = True
            for end in self.carried:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
            self.carried.clear()

    def recover(self) -> None:
        with self.lock:
            self.hanging = False
            for held in self.held:
                held.close()
            self.held.clear()

    def close(self) -> None:
        self.hang()
        self.listener.close()
        self.recover()


def fetch(port: int, path: str) -> tuple[int, dict[str, str], bytes, float]:
    started = time.monotonic()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), error.read()
    return status, headers, body, time.monotonic() - started


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, Any]]:
    items = catalogue()
    settings = connection.settings_dict
    proxy = FlakyDatabase(settings["HOST"] or "127.0.0.1", int(settings["PORT"] or 5432))
    port = free_port()
    user = settings["USER"] or "postgres"
    env = production_env(f"postgres://{user}@127.0.0.1:{proxy.port}/{settings['NAME']}", port)
    env["TRACKER_DB_CONNECT_TIMEOUT"] = str(CONNECT_TIMEOUT)
    env["TRACKER_DB_STATEMENT_TIMEOUT_MS"] = str(STATEMENT_TIMEOUT_MS)
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)  # production serves the manifest
    server = Server(env, port, tmp_path / "gunicorn.log")
    server.start()
    try:
        yield {"port": port, "proxy": proxy, "reference": items["moon"].reference, "log": server.log}
    finally:
        server.stop()
        proxy.close()


def paths(reference: str) -> list[str]:
    return [
        "/api/v1/commitments/",
        f"/api/v1/commitments/{reference}/",
        "/api/v1/reports/progress/",
        "/commitments/",
        f"/commitments/{reference}/",
    ]


def test_a_hanging_database_costs_each_request_the_connect_timeout_and_then_recovers(
    served: dict[str, Any],
) -> None:
    port, proxy, reference = served["port"], served["proxy"], served["reference"]
    for path in [*paths(reference), "/readyz"]:
        assert fetch(port, path)[0] == 200, path

    proxy.hang()
    tried = 0
    for _ in range(3):
        for path in paths(reference):
            status, headers, body, elapsed = fetch(port, path)
            tried += 1
            assert status == 503, (path, status, body[:200])
            assert elapsed < CONNECT_TIMEOUT + SLACK, (path, elapsed)
            assert headers.get("Retry-After") == "5", path
            if path.startswith("/api/"):
                assert "unavailable" in json.loads(body)["detail"], path
    assert tried == 15
    status, _, body, _ = fetch(port, "/readyz")
    assert status == 503
    assert json.loads(body)["database"].startswith("error"), body
    assert fetch(port, "/healthz")[0] == 200  # the process itself is fine: no restart wanted

    proxy.recover()
    deadline = time.monotonic() + 10
    while fetch(port, "/readyz")[0] != 200:
        assert time.monotonic() < deadline, "no recovery within 10 s"
        time.sleep(0.2)
    for path in paths(reference):
        assert fetch(port, path)[0] == 200, path


def test_a_statement_held_past_the_statement_timeout_is_a_503_and_the_next_one_succeeds(
    served: dict[str, Any],
) -> None:
    port, reference = served["port"], served["reference"]
    assert fetch(port, f"/api/v1/commitments/{reference}/")[0] == 200
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 5432),
        user=settings["USER"] or "postgres",
        dbname=settings["NAME"],
    ) as locker:
        locker.execute("LOCK TABLE commitments_commitment IN ACCESS EXCLUSIVE MODE")
        status, headers, body, elapsed = fetch(port, f"/api/v1/commitments/{reference}/")
        assert status == 503, body[:200]
        assert elapsed < STATEMENT_TIMEOUT_MS / 1000 + SLACK
        assert headers.get("Retry-After") == "5"
        locker.rollback()
    assert fetch(port, f"/api/v1/commitments/{reference}/")[0] == 200
