"""The OpenAPI schema is valid and complete, the docs are served locally, and Schemathesis finds
no server error and no response that contradicts the schema on any endpoint, read or write."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from commitments import services
from commitments.models import EvidenceArchive, Review
from tests.api_helpers import catalogue, token_for, user_in
from tests.factories import EvidenceFactory

ST = Path(sys.executable).with_name("st")


@pytest.mark.django_db
def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    for path in (
        "/api/v1/commitments/:",
        "/api/v1/commitments/{id}/reviews/:",
        "/api/v1/reports/progress/:",
        "/api/v1/reports/timeline/:",
        "/api/v1/reviews/:",
        "/api/v1/documents/{slug}/:",
        "/api/v1/sectors/:",
        "/api/v1/evidence/{id}/:",
    ):
        assert path in schema
    for parameter in (
        "name: due_before",
        "name: reviewed_after",
        "name: stale",
        "name: as_of",
        "name: If-Match",
    ):
        assert parameter in schema
    assert "'428':" in schema
    assert "'412':" in schema


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/docs/", "/api/docs/redoc/"])
def test_docs_are_served_from_the_app_without_a_cdn(url: str) -> None:
    page = Client().get(url).content.decode()

    assert "drf_spectacular_sidecar" in page
    # No asset from another host: every src and href is a path on this site (tests/test_api_docs_in_browser.py
    # checks what the browser actually requests).
    assert re.findall(r'(?:src|href)="([^"]*)"', page)
    assert [link for link in re.findall(r'(?:src|href)="([^"]*)"', page) if not link.startswith("/")] == []
    assert "googleapis" not in page
    assert "gstatic" not in page


@pytest.mark.django_db
def test_swagger_ui_does_not_send_the_schema_to_an_online_validator() -> None:
    page = Client().get("/api/docs/").content.decode()

    assert '"validatorUrl": null' in page


CONFIG = """
[generation]
allow-x00 = false
max-examples = {examples}

[checks.missing_required_header]
# A write without If-Match is 428 Precondition Required, by contract.
expected-statuses = ["400", "428"]

[checks.negative_data_rejection]
# A request can be refused for its stale If-Match (412) before its body is read.
expected-statuses = [
    "400", "401", "403", "404", "405", "406", "409", "412", "415", "422", "428", "429", "5xx",
]

[checks.positive_data_acceptance]
# 412: a well-formed If-Match naming an older version is stale, which the schema cannot express.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]

[[operations]]
include-method = ["POST", "PATCH"]
# Business rules (a status change needs a rationale, cited evidence must belong to the commitment)
# refuse some schema-valid bodies with a 400 that names the field.
checks.positive_data_acceptance.expected-statuses = [
    "2xx", "400", "401", "403", "404", "409", "412", "428", "429",
]

[[operations]]
include-method = ["GET"]
include-path-regex = "^/api/v1/(commitments|evidence|reviews|reports/timeline)/$"
# A filter value that names nothing (an unknown document, sector, owner, section, reviewer or
# reference) is a 400 that says what is accepted: the schema cannot list values from the database.
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "429"]

[[operations]]
include-path-regex = "^/api/v1/commitments/[{{]id[}}]/"
parameters = {{ "path.id" = "{commitment}" }}

[[operations]]
include-path = "/api/v1/evidence/{{id}}/"
parameters = {{ "path.id" = {evidence} }}

[[operations]]
include-path = "/api/v1/evidence/{{id}}/archive/"
parameters = {{ "path.id" = {evidence} }}

[[operations]]
include-path = "/api/v1/reviews/{{id}}/"
parameters = {{ "path.id" = {review} }}

[[operations]]
include-path = "/api/v1/documents/{{slug}}/"
parameters = {{ "path.slug" = "csp2021" }}
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.TRACKER_API_THROTTLE_RATES = {"anon": "1000000/minute", "user": "1000000/minute"}
    items = catalogue()
    lead = user_in("lead", username="lee")
    evidence = EvidenceFactory.create(commitment=items["moon"])
    # Cited, so the fuzzer's DELETE cannot remove the evidence every `{id}` above names (a GET of it
    # after that would be a 404, "created resource not found"); with an archived copy to read.
    services.record_review(
        commitment=items["moon"].pk,
        reviewer=lead,
        status="in_progress",
        rationale="Begun.",
        evidence=[evidence],
    )
    EvidenceArchive.objects.create(
        evidence=evidence, url=evidence.url, sha256="0" * 64, size=6, text="Begun.\n"
    )
    review = Review.objects.get()
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        CONFIG.format(
            examples=os.environ.get("TRACKER_SCHEMATHESIS_EXAMPLES", "25"),
            commitment=items["moon"].reference,
            evidence=evidence.pk,
            review=review.pk,
        )
    )

    result = subprocess.run(
        [
            str(ST),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}/api/schema/",
            "--checks",
            "all",
            # Every phase, the stateful one included: it chains operations along the links it infers
            # from the schema (a created evidence's id into its detail, PATCH and DELETE; a commitment's
            # reference into its reviews). It passes since write bodies refuse unknown fields.
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--header",
            f"Authorization: Token {token_for(lead)}",
            "--workers",
            # SQLite's shared in-memory test database locks under concurrent writes.
            "2" if connection.vendor == "postgresql" else "1",
            "--seed",
            "20261127",
            "--no-color",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
