"""OpenAPI generation details drf-spectacular cannot infer from our permission class."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema


class TrackerAutoSchema(AutoSchema):
    def get_auth(self) -> list[dict[str, Any]]:
        auths: list[dict[str, Any]] = super().get_auth()
        # Reading is public unless TRACKER_API_REQUIRE_LOGIN: credentials are optional on GET.
        if self.method in {"GET", "HEAD"} and not settings.TRACKER_API_REQUIRE_LOGIN and {} not in auths:
            auths.append({})
        return auths


def require_non_empty_query_strings(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the API refuses `?name=` (see filters.StrictFilterBackend), so every
    string query parameter says minLength 1."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") != "query" or parameter["name"] == "cursor":
                    continue
                if schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
                elif schema.get("type") == "array":  # comma-separated lists: at least one non-empty item
                    schema.setdefault("minItems", 1)
                    if schema.get("items", {}).get("type") == "string":
                        schema["items"].setdefault("minLength", 1)
    return result
