"""OpenAPI generation details drf-spectacular cannot infer from our permission class."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.openapi import AutoSchema


class TrackerAutoSchema(AutoSchema):
    def is_public_read(self) -> bool:
        # Reading is public unless TRACKER_API_REQUIRE_LOGIN (permissions.ReadPublicWriteWithPermission).
        return self.method in {"GET", "HEAD"} and not settings.TRACKER_API_REQUIRE_LOGIN

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is not None and self.is_public_read():
            # `security: []` says "no credentials needed": Swagger UI shows no lock on public reads.
            # (An optional scheme, [{tokenAuth: []}, {}], still shows one.) Writes keep their schemes.
            operation["security"] = []
        return operation


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
