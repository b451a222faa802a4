"""Fetching an evidence URL without becoming a way into the private network (SSRF).

The link checker (commitments/linkcheck.py) fetches URLs that analysts and, through accepted suggestions,
the public typed in. So every fetch here:

- takes http and https only, on any port, with no proxy (a proxy would defeat the address check);
- resolves the host name itself and refuses it when ANY of its addresses is not a public one: private,
  loopback, link-local, multicast, reserved, unspecified, shared (CGNAT), the cloud metadata addresses,
  and IPv6 forms that embed such an IPv4 address (IPv4-mapped, 6to4, NAT64, Teredo);
- connects to the very address it checked (the name is sent as the Host header and the TLS server
  name, and the certificate is verified against the name), so a DNS answer that changes between the
  check and the connection (rebinding) gains nothing;
- does all of this again on every redirect hop, at most TRACKER_FETCH_MAX_REDIRECTS of them;
- spends at most TRACKER_FETCH_TIMEOUT seconds in all (connects and reads: each waits only for what is
  left) and reads at most TRACKER_FETCH_MAX_BYTES of the body, marking it truncated beyond that;
- says who it is (TRACKER_FETCH_USER_AGENT) and, with TRACKER_FETCH_RESPECT_ROBOTS, asks each host's
  robots.txt first (read once per host per Fetcher, i.e. per run).

TRACKER_FETCH_ALLOW_HOSTS (the environment variable; empty by default) names hosts, as written in the
URL, that may be reached even on a non-public address. It exists FOR TESTS ONLY (a loopback server);
never set it in production.

Host name resolution uses the system resolver, which has its own timeout (not counted in the budget).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final
from urllib.parse import urljoin, urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# getaddrinfo's shape, so tests can stand a fake name in for a public one.
Resolver = Callable[[str, int], list[str]]

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
# Cloud instance metadata services: never reachable, whatever a configuration says they are.
METADATA_ADDRESSES: Final = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean…
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure's wire server (a public-looking address)
    )
)
NAT64_PREFIX: Final = ipaddress.ip_network("64:ff9b::/96")
CHUNK: Final = 64 * 1024
ROBOTS_MAX_BYTES: Final = 512 * 1024  # Google reads 500 KiB of a robots.txt and ignores the rest
ACCEPT: Final = "text/html, application/xhtml+xml, application/pdf;q=0.9, text/plain;q=0.8, */*;q=0.5"


class Outcome(StrEnum):
    OK = "ok"  # a 2xx answer, maybe after redirects
    HTTP_ERROR = "http_error"  # the server answered 4xx or 5xx (or a redirect without a Location)
    FAILED = "failed"  # no answer: DNS, connection, TLS, timeout, too many redirects, a broken reply
    REFUSED = "refused"  # not fetched: not a public address, not http(s), or robots.txt says no


@dataclass
class FetchResult:
    url: str
    outcome: Outcome
    status_code: int | None = None
    final_url: str = ""
    redirects: list[tuple[int, str]] = field(default_factory=list)  # each hop: (status, where it pointed)
    content_type: str = ""
    body: bytes = b""
    truncated: bool = False
    error: str = ""

    @property
    def reachable(self) -> bool:
        return self.outcome == Outcome.OK


class FetchRefused(Exception):
    """Why a URL is not fetched at all (an address that is not public, a scheme, robots.txt)."""


class FetchFailed(Exception):
    """Why a fetch got no usable answer."""


def allowed_hosts() -> frozenset[str]:
    """TRACKER_FETCH_ALLOW_HOSTS as lower-case host names and IP literals (FOR TESTS ONLY)."""
    return frozenset(
        host.strip().lower().strip("[]") for host in settings.TRACKER_FETCH_ALLOW_HOSTS if host.strip()
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why this address may not be fetched from, or None for a public unicast address."""
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return f"{address} is a scoped (link-local) address"
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = address_refusal(embedded)
            if inner:
                return f"{address} embeds {inner}"
    kinds = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    )
    for kind, applies in kinds:
        if applies:
            return f"{address} is {'an' if kind[0] in 'aeiou' else 'a'} {kind} address"
    if not address.is_global:  # shared address space (100.64/10), documentation ranges, …
        return f"{address} is not a public address"
    return None


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Target:
    """One hop's URL taken apart, with the addresses it may be connected to."""

    scheme: str
    host: str  # as in the URL, lower case, without IPv6 brackets, in its ASCII (IDNA) form
    port: int
    path: str  # path and query, as sent
    addresses: tuple[str, ...]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to an address already checked; the URL's host goes in the Host header."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked: the URL's host is the TLS server name and what the
    certificate is verified against."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]  # HTTPSConnection's own context, not in the stubs


class Fetcher:
    """Fetches URLs under the rules above. One per run: it remembers each host's robots.txt."""

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
        max_redirects: int | None = None,
        respect_robots: bool | None = None,
        allow_hosts: Iterable[str] | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.user_agent = user_agent or settings.TRACKER_FETCH_USER_AGENT
        self.timeout = float(settings.TRACKER_FETCH_TIMEOUT if timeout is None else timeout)
        self.max_bytes = int(settings.TRACKER_FETCH_MAX_BYTES if max_bytes is None else max_bytes)
        self.max_redirects = int(
            settings.TRACKER_FETCH_MAX_REDIRECTS if max_redirects is None else max_redirects
        )
        self.respect_robots = (
            settings.TRACKER_FETCH_RESPECT_ROBOTS if respect_robots is None else respect_robots
        )
        self.allow_hosts = (
            allowed_hosts() if allow_hosts is None else frozenset(h.lower().strip("[]") for h in allow_hosts)
        )
        self.resolver = resolver or system_resolver
        self._robots: dict[tuple[str, str, int], RobotFileParser | str] = {}

    # --- one URL ---

    def fetch(self, url: str) -> FetchResult:
        """GET `url`, following redirects; never raises for anything the network or the URL does."""
        result = FetchResult(url=url, outcome=Outcome.FAILED)
        deadline = time.monotonic() + self.timeout
        current = url
        try:
            while True:
                target = self._target(current)
                if self.respect_robots:
                    self._check_robots(target, current, deadline)
                status, location, content_type, body, truncated = self._get(target, deadline, self.max_bytes)
                result.status_code, result.final_url, result.content_type = status, current, content_type
                if status in REDIRECT_STATUSES and location:
                    if len(result.redirects) >= self.max_redirects:
                        raise FetchFailed(f"too many redirects (more than {self.max_redirects})")
                    current = urlunsplit(urlsplit(urljoin(current, location))._replace(fragment=""))
                    result.redirects.append((status, current))
                    continue
                result.body, result.truncated = body, truncated
                if 200 <= status < 300:
                    result.outcome = Outcome.OK
                else:
                    result.outcome = Outcome.HTTP_ERROR
                    result.error = f"HTTP {status}" + (" without a Location" if status < 400 else "")
                return result
        except FetchRefused as refusal:
            result.outcome, result.error = Outcome.REFUSED, str(refusal)
        except FetchFailed as failure:
            result.outcome, result.error = Outcome.FAILED, str(failure)
        except TimeoutError:  # the budget ran out between two steps
            result.outcome, result.error = Outcome.FAILED, f"timed out after {self.timeout:g} s"
        return result

    # --- the steps ---

    def _target(self, url: str) -> Target:
        """The URL's parts and its checked addresses, or FetchRefused / FetchFailed."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise FetchRefused(f"not a valid URL: {error}") from None
        if parts.scheme not in {"http", "https"}:
            raise FetchRefused(f"only http and https are fetched, not {parts.scheme or 'a relative URL'}")
        host = (parts.hostname or "").lower()
        if not host:
            raise FetchRefused("the URL has no host")
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchRefused(f"{host} is not a valid host name") from None
        port = port or (443 if parts.scheme == "https" else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        allowed = host in self.allow_hosts
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = self.resolver(ascii_host, port)
            except (OSError, UnicodeError) as error:
                raise FetchFailed(f"cannot resolve {host}: {_reason(error)}") from None
            if not addresses:
                raise FetchFailed(f"cannot resolve {host}: no address")
        if not allowed:
            for address in addresses:
                refusal = address_refusal(ipaddress.ip_address(address.split("%")[0]))
                if refusal or "%" in address:
                    why = refusal or f"{address} is a scoped address"
                    raise FetchRefused(why if literal is not None else f"{host} resolves to {why}")
        return Target(parts.scheme, ascii_host, port, path, tuple(addresses))

    def _get(self, target: Target, deadline: float, limit: int) -> tuple[int, str, str, bytes, bool]:
        """One GET on the first address that accepts a connection: status, Location, content type,
        the body (at most `limit` bytes) and whether there was more."""
        last_error: BaseException | None = None
        for address in target.addresses:
            remaining = _remaining(deadline)
            kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
            connection = kind(target.host, target.port, address=address, timeout=remaining)
            try:
                try:
                    connection.connect()
                except (OSError, ssl.SSLError) as error:
                    if isinstance(error, ssl.SSLError | socket.timeout):
                        raise
                    last_error = error
                    continue  # the next address, if there is one
                connection.putrequest("GET", target.path, skip_accept_encoding=True)
                connection.putheader("User-Agent", self.user_agent)
                connection.putheader("Accept", ACCEPT)
                connection.putheader("Accept-Encoding", "identity")  # nothing to inflate: the cap holds
                connection.putheader("Connection", "close")
                connection.endheaders()
                _wait_at_most(connection, deadline)
                response = connection.getresponse()
                location = response.getheader("Location", "") or ""
                content_type = (response.getheader("Content-Type", "") or "")[:200]
                if response.status in REDIRECT_STATUSES and location:
                    return response.status, location, content_type, b"", False
                body, truncated = _read_capped(connection, response, deadline, limit)
                return response.status, location, content_type, body, truncated
            except TimeoutError:
                raise FetchFailed(f"timed out after {self.timeout:g} s") from None
            except ssl.SSLError as error:
                raise FetchFailed(f"TLS failed: {_reason(error)}") from None
            except (OSError, http.client.HTTPException) as error:
                raise FetchFailed(f"connection failed: {_reason(error)}") from None
            finally:
                connection.close()
        raise FetchFailed(f"cannot connect to {target.host}: {_reason(last_error)}")

    def _check_robots(self, target: Target, url: str, deadline: float) -> None:
        key = (target.scheme, target.host, target.port)
        if key not in self._robots:
            self._robots[key] = self._read_robots(target, deadline)
        rules = self._robots[key]
        if isinstance(rules, str):
            raise FetchRefused(rules)
        if not rules.can_fetch(robots_token(self.user_agent), url):
            raise FetchRefused(f"robots.txt of {target.host} disallows it")

    def _read_robots(self, target: Target, deadline: float) -> RobotFileParser | str:
        """The host's rules (RFC 9309): a 4xx or an unreachable file allows everything, a 5xx nothing
        (a refusal text). Its redirects are followed within the same host rules."""
        rules = RobotFileParser()
        robots = Target(target.scheme, target.host, target.port, "/robots.txt", target.addresses)
        try:
            for _hop in range(self.max_redirects + 1):
                status, location, _type, body, _cut = self._get(robots, deadline, ROBOTS_MAX_BYTES)
                if status in REDIRECT_STATUSES and location:
                    robots = self._target(urljoin(f"{target.scheme}://{target.host}/robots.txt", location))
                    continue
                if 200 <= status < 300:
                    rules.parse(body.decode("utf-8", errors="replace").splitlines())
                elif status >= 500:
                    return f"robots.txt of {target.host} is unavailable (HTTP {status}): not fetched"
                else:
                    rules.parse([])  # no robots.txt: everything is allowed
                return rules
        except (FetchRefused, FetchFailed):
            pass  # the page's own fetch reports what is wrong with the host
        rules.parse([])
        return rules


def robots_token(user_agent: str) -> str:
    """The product token robots.txt rules name ("CommitmentTracker" of "CommitmentTracker/1.0 (…)")."""
    return user_agent.split("/")[0].split()[0] if user_agent.strip() else "*"


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _wait_at_most(connection: http.client.HTTPConnection, deadline: float) -> None:
    if connection.sock is not None:
        connection.sock.settimeout(_remaining(deadline))


def _read_capped(
    connection: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: float, limit: int
) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        _wait_at_most(connection, deadline)
        chunk = response.read(min(CHUNK, limit - size))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    _wait_at_most(connection, deadline)
    more = bool(response.read(1))  # one byte tells whether the cap cut it
    return b"".join(chunks), more


def _reason(error: BaseException | None) -> str:
    if error is None:
        return "no address accepted a connection"
    if isinstance(error, socket.gaierror):
        return error.strerror or str(error)
    text = str(error) or type(error).__name__
    return text[:200]


def fetch(url: str) -> FetchResult:
    """One URL with the settings' limits (a Fetcher per call: robots.txt is read again)."""
    return Fetcher().fetch(url)
