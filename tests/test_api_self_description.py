"""The API explains itself: its root lists every endpoint, reports included; every operation and parameter
of the OpenAPI schema is described for readers; public reads are marked public, writes keep their auth."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.api_helpers import catalogue

pytestmark = pytest.mark.django_db

# Words of the code, not of the reader: a description that contains one was written for maintainers.
INTERNAL = re.compile(
    r"QuerySet|queryset|for_api|for_list|services\.|\bview\b|serializer|Serializer|\(\)|"
    r"no query per|hot path|#\s|TODO|select_related|prefetch",
)
WRITES = {"post", "put", "patch", "delete"}


def schema() -> dict[str, Any]:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_the_api_root_lists_every_endpoint_reports_included() -> None:
    catalogue()
    root = APIClient().get("/api/v1/").json()
    method = root.pop("method")  # the assessment method in force (tests/test_method_version.py)

    assert method["version"]
    assert root == {
        "commitments": "http://testserver/api/v1/commitments/",
        "evidence": "http://testserver/api/v1/evidence/",
        "documents": "http://testserver/api/v1/documents/",
        "sectors": "http://testserver/api/v1/sectors/",
        "reviews": "http://testserver/api/v1/reviews/",
        "reports/progress": "http://testserver/api/v1/reports/progress/",
        "reports/timeline": "http://testserver/api/v1/reports/timeline/",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
    for url in root.values():
        assert APIClient().get(url).status_code == 200, url


def test_the_api_root_lists_every_collection_in_the_schema() -> None:
    root = APIClient().get("/api/v1/").json()
    root.pop("method")  # not a link: the assessment method in force
    collections = {path for path in schema()["paths"] if "{" not in path}

    assert collections == {url.removeprefix("http://testserver") for url in root.values()} - {
        "/api/schema/",
        "/api/docs/",
    }


def test_every_operation_has_a_summary_and_a_description_for_readers() -> None:
    for method, path, operation in operations(schema()):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert operation.get("description"), where
        assert not INTERNAL.search(operation["summary"] + operation["description"]), where


def test_every_parameter_is_described_for_readers() -> None:
    for method, path, operation in operations(schema()):
        for parameter in operation.get("parameters", []):
            where = f"{method.upper()} {path} {parameter['name']}"
            assert parameter.get("description"), where
            assert not INTERNAL.search(parameter["description"]), where


def test_no_component_or_field_description_is_an_internal_comment() -> None:
    def descriptions(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["description"]] if isinstance(node.get("description"), str) else []
            return found + [text for value in node.values() for text in descriptions(value)]
        if isinstance(node, list):
            return [text for value in node for text in descriptions(value)]
        return []

    document = schema()
    offending = [text for text in descriptions(document) if INTERNAL.search(text)]
    assert offending == []


def test_public_reads_are_marked_public_and_writes_keep_their_auth() -> None:
    for method, path, operation in operations(schema()):
        where = f"{method.upper()} {path}"
        if method in WRITES:
            assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], where
        else:
            assert operation.get("security") == [], where


def test_reads_need_auth_in_the_schema_when_login_is_required(settings: Any) -> None:
    settings.TRACKER_API_REQUIRE_LOGIN = True

    for method, path, operation in operations(schema()):
        assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], f"{method} {path}"


def test_the_list_filters_are_documented_with_both_ways_of_giving_several_values() -> None:
    parameters = {
        parameter["name"]: parameter
        for parameter in schema()["paths"]["/api/v1/commitments/"]["get"]["parameters"]
    }

    status = parameters["status"]
    assert status["schema"]["type"] == "array"
    assert "status=in_progress,stalled" in status["description"]
    assert "the parameter repeated" in status["description"]
    assert parameters["bom"]["schema"]["enum"] == ["0", "1"]
    assert parameters["format"]["schema"]["enum"] == ["csv", "json"]
