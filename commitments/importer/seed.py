"""The seed documents that ship in fixtures/ and that `bootstrap` loads."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings

from commitments.importer.loader import DocumentMeta, ImportReport, import_document, read_sector_assignments
from commitments.importer.sources import read_document

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEED_MANIFESTS = ("china-space-program-2021.json",)


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def load_seed(manifest: Path) -> ImportReport:
    """Import one seed document with its curated sector assignments (idempotent)."""
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    doc = spec["document"]
    meta = DocumentMeta(
        title=doc["title"],
        publisher=doc.get("publisher", ""),
        published_on=_date(doc.get("published_on")),
        period_start=datetime.date.fromisoformat(doc["period_start"]),
        period_end=datetime.date.fromisoformat(doc["period_end"]),
        slug=doc["slug"],
        reference_prefix=doc["reference_prefix"],
        source_url=doc.get("source_url", ""),
        language=doc.get("language", "en"),
    )
    text = read_document(manifest.parent / spec["text"])
    return import_document(text, meta, sector_assignments=read_sector_assignments(spec.get("sectors", {})))


def load_seeds() -> list[ImportReport]:
    return [load_seed(FIXTURES / name) for name in SEED_MANIFESTS]
