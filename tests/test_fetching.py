"""The safe fetcher (commitments/fetching.py) against a real HTTP server on loopback, reachable only
through the test-only allowance TRACKER_FETCH_ALLOW_HOSTS, given for that host alone."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator
from typing import Any

import pytest

from commitments.fetching import Fetcher, Outcome, address_refusal, allowed_hosts, robots_token
from tests.http_server import LoopbackServer

LOOPBACK = "127.0.0.1"


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def allow_loopback(settings: Any) -> None:
    settings.TRACKER_FETCH_ALLOW_HOSTS = [LOOPBACK]


def fake_dns(table: dict[str, str]) -> Any:
    """A resolver that knows only `table` (name → address), as if public DNS said so."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"{host}: no such name")
        return [table[host]]

    return resolve


# --- What a fetch brings back ---------------------------------------------------------------------


def test_a_page_comes_back_with_its_status_type_and_body_and_the_request_says_who_we_are(
    server: LoopbackServer, allow_loopback: None, settings: Any
) -> None:
    url = server.page("/page", "<html><body><p>Chang'e-6 returned samples.</p></body></html>")

    result = Fetcher().fetch(url)

    assert result.outcome == Outcome.OK
    assert (result.status_code, result.final_url, result.redirects) == (200, url, [])
    assert result.content_type == "text/html; charset=utf-8"
    assert b"Chang'e-6 returned samples." in result.body
    assert not result.truncated
    seen = next(seen for seen in server.requests if seen.path == "/page")
    assert seen.headers["User-Agent"] == settings.TRACKER_FETCH_USER_AGENT
    assert seen.headers["User-Agent"].startswith("CommitmentTracker/1.0 (+")
    assert seen.headers["Accept-Encoding"] == "identity"


def test_a_redirect_chain_is_followed_and_every_hop_recorded(
    server: LoopbackServer, allow_loopback: None
) -> None:
    server.page("/final", "<p>here</p>")
    server.redirect("/second", "/final", status=302)
    start = server.redirect("/first", server.url("/second"), status=301)

    result = Fetcher().fetch(start)

    assert result.outcome == Outcome.OK
    assert result.redirects == [(301, server.url("/second")), (302, server.url("/final"))]
    assert result.final_url == server.url("/final")
    assert result.status_code == 200


def test_more_redirects_than_the_limit_is_a_failure(server: LoopbackServer, allow_loopback: None) -> None:
    for n in range(10):
        server.redirect(f"/hop{n}", f"/hop{n + 1}")

    result = Fetcher(max_redirects=5).fetch(server.url("/hop0"))

    assert result.outcome == Outcome.FAILED
    assert result.error == "too many redirects (more than 5)"
    assert len(result.redirects) == 5
    assert server.hits("/hop6") == 0


def test_a_404_is_an_http_error_with_its_status(server: LoopbackServer, allow_loopback: None) -> None:
    result = Fetcher().fetch(server.url("/gone"))

    assert (result.outcome, result.status_code, result.error) == (Outcome.HTTP_ERROR, 404, "HTTP 404")


def test_a_server_slower_than_the_time_limit_is_a_timeout_and_the_fetch_stops_at_the_limit(
    server: LoopbackServer, allow_loopback: None
) -> None:
    url = server.page("/slow", "<p>late</p>", delay=3)

    started = time.monotonic()
    result = Fetcher(timeout=0.5).fetch(url)
    took = time.monotonic() - started

    assert result.outcome == Outcome.FAILED
    assert result.error == "timed out after 0.5 s"
    assert took < 2


def test_a_body_over_the_cap_is_read_up_to_the_cap_and_marked_truncated(
    server: LoopbackServer, allow_loopback: None
) -> None:
    big = server.page("/big", b"x" * 300_000, content_type="text/plain")
    exact = server.page("/exact", b"y" * 1000, content_type="text/plain")

    cut = Fetcher(max_bytes=1000).fetch(big)
    whole = Fetcher(max_bytes=1000).fetch(exact)

    assert (cut.outcome, len(cut.body), cut.truncated) == (Outcome.OK, 1000, True)
    assert (whole.outcome, len(whole.body), whole.truncated) == (Outcome.OK, 1000, False)


def test_the_allowance_comes_from_the_environment_variables_setting(settings: Any) -> None:
    settings.TRACKER_FETCH_ALLOW_HOSTS = [" LocalHost ", "[::1]"]
    assert allowed_hosts() == {"localhost", "::1"}
    settings.TRACKER_FETCH_ALLOW_HOSTS = []
    assert allowed_hosts() == frozenset()


# --- Addresses that are never fetched -------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "169.254.1.1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
        "168.63.129.16",  # Azure's metadata wire server, public-looking
    ],
)
def test_addresses_that_are_not_public_are_refused(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/page",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/page",
        "http://[::ffff:127.0.0.1]:{port}/page",
        "http://[fd00:ec2::254]/",
        "http://localhost:{port}/page",  # a name that resolves to 127.0.0.1
        "http://2130706433:{port}/page",  # 127.0.0.1 as one number
    ],
)
def test_a_url_on_a_private_address_is_refused_without_the_allowance(
    server: LoopbackServer, url: str
) -> None:
    server.page("/page", "<p>secret</p>")

    result = Fetcher().fetch(url.format(port=server.port))

    assert result.outcome == Outcome.REFUSED
    assert "address" in result.error
    assert server.requests == []  # not even a connection


def test_a_public_looking_name_that_resolves_to_a_private_address_is_refused(server: LoopbackServer) -> None:
    fetcher = Fetcher(resolver=fake_dns({"news.example.org": "10.0.0.1"}))

    result = fetcher.fetch("http://news.example.org/story")

    assert result.outcome == Outcome.REFUSED
    assert result.error == "news.example.org resolves to 10.0.0.1 is a private address"


def test_an_allowed_host_that_redirects_to_a_private_one_is_refused_at_that_hop(
    server: LoopbackServer, settings: Any
) -> None:
    # The allowance names the first host only; the redirect points at loopback under another name.
    settings.TRACKER_FETCH_ALLOW_HOSTS = ["public.example"]
    server.page("/secret", "<p>metadata</p>")
    server.redirect("/story", f"http://127.0.0.1:{server.port}/secret")
    fetcher = Fetcher(resolver=fake_dns({"public.example": LOOPBACK}))

    result = fetcher.fetch(f"http://public.example:{server.port}/story")

    assert result.outcome == Outcome.REFUSED
    assert result.error == "127.0.0.1 is a loopback address"
    assert result.redirects == [(302, f"http://127.0.0.1:{server.port}/secret")]
    assert server.hits("/story") == 1
    assert server.hits("/secret") == 0


def test_a_redirect_to_a_name_resolving_to_loopback_or_to_the_metadata_service_is_refused(
    server: LoopbackServer, allow_loopback: None
) -> None:
    to_localhost = server.redirect("/a", f"http://localhost:{server.port}/secret")
    to_metadata = server.redirect("/b", "http://169.254.169.254/latest/meta-data/")

    first, second = Fetcher().fetch(to_localhost), Fetcher().fetch(to_metadata)

    assert (first.outcome, first.error) == (
        Outcome.REFUSED,
        "localhost resolves to 127.0.0.1 is a loopback address",
    )
    assert (second.outcome, second.error) == (
        Outcome.REFUSED,
        "169.254.169.254 is a cloud metadata address",
    )
    assert server.hits("/secret") == 0


def test_the_connection_goes_to_the_checked_address_with_the_name_in_the_host_header(
    server: LoopbackServer, settings: Any
) -> None:
    # Each hop resolves once; the connection is made to that answer, so a second, different answer
    # (DNS rebinding) is never asked for.
    settings.TRACKER_FETCH_ALLOW_HOSTS = ["public.example"]
    server.page("/page", "<p>hello</p>")
    answers = iter([LOOPBACK, "10.9.9.9"])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return [next(answers)]

    result = Fetcher(resolver=rebinding, respect_robots=False).fetch(
        f"http://public.example:{server.port}/page"
    )

    assert result.outcome == Outcome.OK
    assert lookups == ["public.example"]
    assert server.requests[-1].headers["Host"] == f"public.example:{server.port}"


@pytest.mark.parametrize(
    "url", ["ftp://example.org/file", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"]
)
def test_only_http_and_https_are_fetched(url: str) -> None:
    result = Fetcher().fetch(url)

    assert result.outcome == Outcome.REFUSED
    assert result.error.startswith("only http and https are fetched")


def test_a_name_that_does_not_resolve_is_a_failure_not_a_refusal() -> None:
    result = Fetcher(resolver=fake_dns({})).fetch("https://gone.example.org/")

    assert result.outcome == Outcome.FAILED
    assert result.error.startswith("cannot resolve gone.example.org")


def test_a_refused_connection_is_a_failure(allow_loopback: None) -> None:
    with LoopbackServer() as closed:
        port = closed.port
    result = Fetcher().fetch(f"http://127.0.0.1:{port}/")

    assert result.outcome == Outcome.FAILED
    assert result.error.startswith("cannot connect to 127.0.0.1")


# --- robots.txt ------------------------------------------------------------------------------------


def test_robots_txt_that_disallows_the_page_is_a_refusal_and_is_read_once_per_host(
    server: LoopbackServer, allow_loopback: None
) -> None:
    server.page(
        "/robots.txt", "User-agent: CommitmentTracker\nDisallow: /private/\n", content_type="text/plain"
    )
    server.page("/private/report", "<p>kept out</p>")
    server.page("/public/report", "<p>welcome</p>")
    fetcher = Fetcher()

    refused = fetcher.fetch(server.url("/private/report"))
    allowed = fetcher.fetch(server.url("/public/report"))

    assert (refused.outcome, refused.error) == (Outcome.REFUSED, "robots.txt of 127.0.0.1 disallows it")
    assert allowed.outcome == Outcome.OK
    assert server.hits("/robots.txt") == 1
    assert server.hits("/private/report") == 0


def test_robots_txt_is_ignored_when_the_setting_says_so(server: LoopbackServer, allow_loopback: None) -> None:
    server.page("/robots.txt", "User-agent: *\nDisallow: /\n", content_type="text/plain")
    url = server.page("/page", "<p>fetched anyway</p>")

    assert Fetcher(respect_robots=False).fetch(url).outcome == Outcome.OK
    assert server.hits("/robots.txt") == 0


def test_a_robots_txt_that_fails_with_a_server_error_refuses_the_host(
    server: LoopbackServer, allow_loopback: None
) -> None:
    server.page("/robots.txt", "oops", status=503, content_type="text/plain")
    url = server.page("/page", "<p>hello</p>")

    result = Fetcher().fetch(url)

    assert result.outcome == Outcome.REFUSED
    assert "robots.txt of 127.0.0.1 is unavailable (HTTP 503)" in result.error


def test_the_robots_token_is_the_user_agents_product_name() -> None:
    assert robots_token("CommitmentTracker/1.0 (+https://tracker.example.org)") == "CommitmentTracker"
