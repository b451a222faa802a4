"""No input reaches a 5xx (issue 16). Every route of the OpenAPI schema and every public page, with
each of its path and query parameters set to hostile values (NUL and other control characters,
numbers with thousands of digits, dates out of range, tampered cursors, huge strings), and write
bodies that are too deep, too large, or carry unknown fields: the answer is a 4xx (JSON under
/api/) or a 2xx, never a 500. On PostgreSQL too, where a NUL in a query parameter is a driver error."""

from __future__ import annotations

import base64
import datetime
import json
import re
from typing import Any
from urllib.parse import quote

import hypothesis
import pytest
from django.contrib.auth.models import User
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import strategies as st
from rest_framework.test import APIClient

from commitments.models import Commitment, Evidence, EvidenceSuggestion
from tests.api_helpers import catalogue, client_for, review_at, user_in

pytestmark = pytest.mark.django_db

# One of each kind of trouble; a parameter gets every one.
HOSTILE_VALUES = [
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "9" * 5000,
    "-9" + "9" * 40,
    "1e309",
    "0",
    "-1",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "%",
    "' OR 1=1 --",
    "../../etc/passwd",
    "x" * 10_000,
    "\u202e\U0001f680",
    base64.b64encode(b"p=abc").decode(),
    base64.b64encode(b"r=1&p=x").decode(),
    base64.b64encode(b"o=99999999999999999999999&p=1").decode(),
]


def _schema_routes() -> list[tuple[str, list[str], list[str]]]:
    """(path template, path parameters, query parameters) of every GET route in the schema."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    routes = []
    for template, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        parameters = get.get("parameters", [])
        routes.append(
            (
                template,
                [p["name"] for p in parameters if p["in"] == "path"],
                [p["name"] for p in parameters if p["in"] == "query"]
                + ["page", "page_size", "cursor", "format", "as_of", "unknown"],
            )
        )
    return routes


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    items = catalogue()
    moon = items["moon"]
    review_at(datetime.datetime(2024, 1, 5, tzinfo=datetime.UTC), moon, "in_progress")
    evidence = Evidence.objects.create(
        commitment=moon, title="Launch report", url="https://example.org/launch", excerpt="It flew."
    )
    return {
        "reference": moon.reference,
        "id": str(evidence.pk),
        "pk": str(evidence.pk),
        "slug": moon.document.slug,
        "sector": "deep-space-exploration",
        "review": str(moon.reviews.get().pk),
    }


def _fill(template: str, world: dict[str, Any], hostile: dict[str, str] | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if hostile and name in hostile:
            return hostile[name]
        if "reviews" in template and name in {"id", "pk"}:
            return str(world["review"])
        if "sectors" in template and name in {"slug"}:
            return str(world["sector"])
        if name in {"reference"}:
            return str(world["reference"])
        return str(world.get(name, world["id"]))

    return re.sub(r"\{(\w+)\}", value, template)


def _failure(response: Any, where: str) -> str | None:
    """What is wrong with the answer, or None: a 5xx, or an error under /api/ that is not JSON."""
    if response.status_code >= 500:
        return f"{where[:160]!r}: {response.status_code} {response.content[:120]!r}"
    json_expected = where.startswith("/api/") and "format=csv" not in where
    if (
        json_expected
        and response.status_code >= 400
        and not response["Content-Type"].startswith("application/json")
    ):
        return f"{where[:160]!r}: {response.status_code} answered as {response['Content-Type']}"
    return None


def _report(failures: list[str | None]) -> None:
    print(f"{len(failures)} requests tried")  # the figure docs/reliability.md quotes (pytest -s)
    found = [failure for failure in failures if failure]
    assert not found, f"{len(found)} bad answers:\n" + "\n".join(found[:60])


def _quote(value: str) -> str:
    return quote(value, safe="")


PUBLIC_PAGES = [
    ("/", []),
    ("/commitments/", []),
    ("/commitments/{reference}/", ["reference"]),
    ("/documents/{slug}/", ["slug"]),
    ("/sectors/{sector}/", ["sector"]),
    ("/feeds/changes/", []),
]
PUBLIC_PARAMETERS = [
    "q",
    "sector",
    "status",
    "document",
    "section",
    "page",
    "stale",
    "overdue",
    "sort",
    "as_of",
]


def test_no_query_parameter_of_any_api_route_reaches_a_server_error(world: dict[str, Any]) -> None:
    client = APIClient(raise_request_exception=False)
    failures = []
    for template, _, parameters in _schema_routes():
        base = _fill(template, world)
        for name in parameters:
            for value in HOSTILE_VALUES:
                url = f"{base}?{name}={_quote(value)}"
                failures.append(_failure(client.get(url), url))
    assert len(failures) > 1000  # the schema was read: every route and parameter was tried
    _report(failures)


def test_no_path_parameter_of_any_api_route_reaches_a_server_error(world: dict[str, Any]) -> None:
    client = APIClient(raise_request_exception=False)
    failures = []
    for template, path_parameters, _ in _schema_routes():
        for name in path_parameters:
            for value in HOSTILE_VALUES:
                url = _fill(template, world, {name: _quote(value)})
                failures.append(_failure(client.get(url), url))
    _report(failures)


def test_no_parameter_of_any_public_page_reaches_a_server_error(world: dict[str, Any]) -> None:
    client = Client(raise_request_exception=False)
    failures = []
    for template, path_parameters in PUBLIC_PAGES:
        base = _fill(template, world)
        for name in PUBLIC_PARAMETERS:
            for value in HOSTILE_VALUES:
                url = f"{base}?{name}={_quote(value)}"
                failures.append(_failure(client.get(url), url))
        for name in path_parameters:
            for value in HOSTILE_VALUES:
                url = _fill(template, world, {name: _quote(value)})
                failures.append(_failure(client.get(url), url))
    _report(failures)


def test_no_field_of_the_public_suggestion_form_reaches_a_server_error(
    world: dict[str, Any], settings: Any
) -> None:
    """The one public form that writes (evidence suggestions): each field hostile in turn, and the
    commitment in its address; nothing but a web link with a note is ever stored."""
    settings.TRACKER_SUGGESTION_LIMIT = 10_000  # the limit is tested in tests/test_suggestions.py
    client = Client(raise_request_exception=False)
    valid = {"url": "https://example.org/report", "note": "It shows progress.", "email": ""}
    failures = []
    for name in [*valid, "homepage"]:
        for value in HOSTILE_VALUES:
            url = f"/commitments/{world['reference']}/suggest/"
            response = client.post(url, {**valid, name: value})
            failures.append(_failure(response, f"{url} {name}={value!r:.60}"))
    for value in HOSTILE_VALUES:
        url = f"/commitments/{_quote(value)}/suggest/"
        failures.append(_failure(client.post(url, valid), url))
    _report(failures)
    stored = set(EvidenceSuggestion.objects.values_list("url", flat=True))
    assert stored == {"https://example.org/report"}, stored


@pytest.fixture
def analyst(db: None) -> User:
    return user_in("analyst", username="hostile-analyst")


def _write_targets(world: dict[str, Any]) -> list[tuple[str, str]]:
    reference = world["reference"]
    return [
        ("post", f"/api/v1/commitments/{reference}/reviews/"),
        ("patch", f"/api/v1/commitments/{reference}/"),
        ("post", "/api/v1/evidence/"),
        ("patch", f"/api/v1/evidence/{world['id']}/"),
    ]


HOSTILE_BODIES: list[Any] = [
    {"status": "\x00", "rationale": "\x00"},
    {"commitment": "\u0000", "title": "x", "url": "https://example.org/"},
    {"owner": "\x00"},
    {"primary_sector": "\x00"},
    {"owner": "9" * 5000},
    {"status": "achieved", "rationale": "r", "evidence": ["9" * 5000]},
    {"status": "achieved", "rationale": "r", "evidence": [{"nested": ["x"]}]},
    {"target_date": "0001-01-01"},
    {"target_date": "9999-12-31"},
    {"url": "javascript:alert(1)", "title": "x", "commitment": "CSP2021-II.4-02"},
    [1, 2, 3],
    "a string",
    None,
    12,
]


def test_no_write_body_reaches_a_server_error(world: dict[str, Any], analyst: User) -> None:
    client = client_for(analyst)
    client.raise_request_exception = False
    commitment = Commitment.objects.get(reference=world["reference"])
    failures = []
    for method, url in _write_targets(world):
        for body in HOSTILE_BODIES:
            response = getattr(client, method)(
                url, data=json.dumps(body), content_type="application/json", HTTP_IF_MATCH="*"
            )
            failures.append(_failure(response, f"{url} {method} {body!r:.80}"))
    _report(failures)
    commitment.refresh_from_db()
    assert commitment.status == "in_progress"  # and nothing hostile was recorded


def _etag(client: APIClient, world: dict[str, Any]) -> str:
    return str(client.get(f"/api/v1/commitments/{world['reference']}/")["ETag"])


@pytest.mark.parametrize("depth", [17, 5000, 100_000])
def test_json_nested_too_deep_is_a_400_that_says_so(world: dict[str, Any], analyst: User, depth: int) -> None:
    client = client_for(analyst)
    body = '{"status": "achieved", "rationale": "r", "evidence": ' + "[" * depth + "]" * depth + "}"
    response = client.post(
        f"/api/v1/commitments/{world['reference']}/reviews/",
        data=body,
        content_type="application/json",
        HTTP_IF_MATCH=_etag(client, world),
    )
    assert response.status_code == 400, response.content[:200]
    assert "nested too deep" in response.json()["detail"]


@pytest.mark.parametrize("text", ["\x00", "before\x00after", "\x1b[31m"])
def test_a_control_character_in_a_body_is_a_400_and_nothing_is_written(
    world: dict[str, Any], analyst: User, text: str
) -> None:
    client = client_for(analyst)
    response = client.post(
        f"/api/v1/commitments/{world['reference']}/reviews/",
        data={"status": "achieved", "rationale": text},
        format="json",
        HTTP_IF_MATCH=_etag(client, world),
    )
    assert response.status_code == 400, response.content
    assert "control character" in response.json()["detail"]
    assert Commitment.objects.get(reference=world["reference"]).reviews.count() == 1


def test_a_control_character_in_the_address_is_a_400(world: dict[str, Any]) -> None:
    response = APIClient().get("/api/v1/commitments/%00/")
    assert response.status_code == 400
    assert "control character" in response.json()["detail"]
    assert Client().get("/commitments/?q=%00").status_code == 400


def test_an_unknown_api_address_is_a_json_404(db: None) -> None:
    response = APIClient().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert "api/v1" in response.json()["detail"]


def test_a_tampered_cursor_is_a_404_that_says_the_cursor_is_invalid(world: dict[str, Any]) -> None:
    for payload in (b"p=abc", b"r=1&p=x", b"p=" + b"9" * 40):
        cursor = base64.b64encode(payload).decode()
        response = APIClient().get("/api/v1/commitments/", {"cursor": cursor})
        assert response.status_code == 404, payload
        assert response.json()["detail"] == "Invalid cursor"


@pytest.mark.parametrize("value", ["9" * 5000, "0", "-1", "1e3"])
def test_a_page_number_out_of_bounds_is_a_400(world: dict[str, Any], value: str) -> None:
    for name in ("page", "page_size"):
        response = APIClient().get("/api/v1/commitments/", {name: value})
        assert response.status_code == 400, (name, value)
        assert name in response.json()


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1899-12-31", "2201-01-01"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_report_dates_outside_1900_to_2200_are_a_400(world: dict[str, Any], as_of: str, fmt: str) -> None:
    response = APIClient().get("/api/v1/reports/progress/", {"as_of": as_of, "format": fmt})
    assert response.status_code == 400, response.content[:200]
    # A CSV request gets its error as CSV rows (commitments/api/renderers.py), a JSON one as JSON.
    assert response["Content-Type"].startswith("text/csv" if fmt == "csv" else "application/json")
    assert "1900-01-01 to 2200-12-31" in response.content.decode()


def test_list_date_filters_outside_the_range_are_a_400(world: dict[str, Any]) -> None:
    response = APIClient().get("/api/v1/commitments/", {"due_before": "9999-12-31"})
    assert response.status_code == 400
    assert "1900-01-01 to 2200-12-31" in str(response.json())


def test_a_body_over_the_size_limit_is_a_json_413(
    world: dict[str, Any], analyst: User, settings: Any
) -> None:
    client = client_for(analyst)
    body = json.dumps({"status": "achieved", "rationale": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = client.post(
        f"/api/v1/commitments/{world['reference']}/reviews/",
        data=body,
        content_type="application/json",
        HTTP_IF_MATCH=_etag(client, world),
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")


def test_unknown_fields_in_a_write_body_are_a_400_that_names_them(world: dict[str, Any]) -> None:
    client = client_for(user_in("lead", username="hostile-lead"))
    response = client.patch(
        f"/api/v1/commitments/{world['reference']}/",
        data={"status": "achieved", "colour": "red", "priority": "high"},
        format="json",
        HTTP_IF_MATCH=_etag(client, world),
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"status", "colour"}
    assert "Unknown field" in response.json()["colour"][0]
    assert "review" in response.json()["status"][0]
    assert Commitment.objects.get(reference=world["reference"]).priority != "high"  # nothing written

    response = client.patch(
        f"/api/v1/evidence/{world['id']}/", data={"title": "New", "id": 99}, format="json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["id"][0].startswith("A read-only field.")


def test_put_on_evidence_is_405_for_everyone(world: dict[str, Any], analyst: User) -> None:
    for client in (APIClient(), client_for(analyst)):
        response = client.put(f"/api/v1/evidence/{world['id']}/", data={}, format="json")
        assert response.status_code == 405, response.content


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = st.sampled_from(
    [
        "status",
        "rationale",
        "evidence",
        "commitment",
        "url",
        "title",
        "publisher",
        "published_on",
        "kind",
        "signal",
        "excerpt",
        "owner",
        "priority",
        "target_date",
        "primary_sector",
        "secondary_sectors",
    ]
)
BODIES = JSON_VALUES | st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6)


@hypothesis.settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
@hypothesis.given(body=BODIES, target=st.integers(min_value=0, max_value=3))
def test_no_generated_write_body_reaches_a_server_error(
    world: dict[str, Any], analyst: User, body: Any, target: int
) -> None:
    client = client_for(analyst)
    client.raise_request_exception = False
    method, url = _write_targets(world)[target]
    response = getattr(client, method)(
        url, data=json.dumps(body), content_type="application/json", HTTP_IF_MATCH=_etag(client, world)
    )
    _report([_failure(response, f"{url} {method} {body!r:.200}")])
