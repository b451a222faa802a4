"""Load an extracted document into the database: transactional, idempotent, revision-aware.

Matching rules on re-import (docs/importing.md):
- a commitment whose text is unchanged (after whitespace/quote normalisation) keeps its row, and so
  its reference, status, reviews and evidence; only its offsets, section and lead-in follow the text;
- a commitment whose text was lightly edited (same section, ≥ 85 % similar) is *revised*: same row,
  new text;
- anything else is *added* with the next free reference of its section;
- a stored commitment the new text no longer contains is *reported as vanished*, never deleted.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from commitments.importer import parser
from commitments.models import (
    REFERENCE_PREFIX_PATTERN,
    REFERENCE_PREFIX_RULE,
    Commitment,
    CommitmentSector,
    Document,
    Section,
    Sector,
)
from commitments.services import stamp_new_version

REVISION_SIMILARITY = 0.85
FRONT_MATTER_KEY = "0"


class DocumentImportError(ValueError):
    """Readable one-line reason a document cannot be imported; nothing was written."""


@dataclass(frozen=True)
class DocumentMeta:
    title: str
    period_start: datetime.date
    period_end: datetime.date
    publisher: str = ""
    published_on: datetime.date | None = None
    slug: str = ""
    reference_prefix: str = ""
    source_url: str = ""
    language: str = "en"

    def resolved(self) -> DocumentMeta:
        slug = self.slug or slugify(self.title)[:80].strip("-")
        if not slug:
            raise DocumentImportError(
                "give the document a --slug: its title has no letters or digits to make one from"
            )
        prefix = self.reference_prefix.strip().upper() or default_reference_prefix(self.title, slug)
        if len(prefix) > 20 or not re.match(REFERENCE_PREFIX_PATTERN, prefix):
            raise DocumentImportError(
                f"reference prefix {prefix!r} is not usable: a prefix is {REFERENCE_PREFIX_RULE}"
            )
        if self.period_end < self.period_start:
            raise DocumentImportError(
                f"the plan period ends ({self.period_end}) before it starts ({self.period_start})"
            )
        if self.source_url and not re.match(r"(?i)^https?://", self.source_url):
            raise DocumentImportError(f"source URL must be http:// or https://, not {self.source_url!r}")
        return DocumentMeta(**{**self.__dict__, "slug": slug, "reference_prefix": prefix})


_SMALL_WORDS = {
    "a",
    "an",
    "and",
    "the",
    "of",
    "for",
    "in",
    "on",
    "to",
    "at",
    "by",
    "with",
    "from",
    "its",
    "our",
}


def default_reference_prefix(title: str, slug: str) -> str:
    """A readable prefix: the initials of the title before any subtitle, and its year
    ("China's Space Program: A 2021 Perspective" gives CSP2021); else the slug's first letters."""
    head = re.split(r"\s[:–—-]\s|:", title, maxsplit=1)[0]
    words = [
        word for word in re.findall(r"[A-Za-z]+(?:['’][A-Za-z]+)?", head) if word.lower() not in _SMALL_WORDS
    ]
    initials = "".join(word[0] for word in words).upper()
    year = re.search(r"\b(?:19|20)\d\d\b", title)
    if len(initials) >= 2:
        return (initials[:12] + (year.group() if year else ""))[:20]
    return re.sub(r"[^A-Z0-9]", "", slug.upper())[:12] or "DOC"


@dataclass(frozen=True)
class SectorAssignment:
    primary: str
    secondary: tuple[str, ...] = ()


@dataclass
class ImportReport:
    document: str
    created: bool = False
    text_changed: bool = False
    metadata_changed: bool = False
    sections_added: list[str] = field(default_factory=list)
    sections_vanished: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    unchanged: int = 0
    vanished: list[str] = field(default_factory=list)
    sectors_assigned: int = 0
    dry_run: bool = False
    # What a reader of the plan needs besides the references (the admin's preview shows them):
    # the new text of each added, revised and moved commitment, and the stored text of each
    # revised and vanished one.
    texts: dict[str, str] = field(default_factory=dict)
    previous_texts: dict[str, str] = field(default_factory=dict)

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.created
            or self.text_changed
            or self.metadata_changed
            or self.sections_added
            or self.added
            or self.revised
            or self.moved
            or self.sectors_assigned
        )

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        head = f"Document {self.document}: " + (
            "new" if self.created else ("text changed" if self.text_changed else "text unchanged")
        )
        if self.metadata_changed and not self.created:
            head += ", details updated"
        out = [head + ("  [dry run: nothing written]" if self.dry_run else "")]
        out.append(
            f"Commitments: {len(self.added)} {verb} added, {len(self.revised)} revised, "
            f"{len(self.moved)} moved, {self.unchanged} unchanged, "
            f"{len(self.vanished)} vanished (kept, not deleted)."
        )
        if self.sections_added:
            out.append(f"Sections: {len(self.sections_added)} {verb} added.")
        if self.sectors_assigned:
            out.append(f"Sector assignments: {self.sectors_assigned} {verb} applied.")
        for label, refs in (("Added", self.added), ("Revised", self.revised), ("Vanished", self.vanished)):
            if refs and not self.created:
                out.append(f"{label}: {', '.join(refs)}")
        return out


_PLAIN_PUNCTUATION = str.maketrans("‘’“”–—", "''\"\"--")


def normalise(text: str) -> str:
    """Comparison form of a commitment text: case, quotes, dashes and whitespace do not count."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_PLAIN_PUNCTUATION)
    return " ".join(text.casefold().split())


def _section_keys(sections: Iterable[parser.Section]) -> dict[tuple[str, ...], str]:
    """Stable dotted keys ("II.4", "2.1") that read as the document numbers its headings; unnumbered
    headings use their title."""
    keys: dict[tuple[str, ...], str] = {}
    numbers: dict[tuple[str, ...], str] = {}
    used: set[str] = set()
    for section in sections:
        if section.path in keys:
            continue  # the same heading again under the same parent (a running title): one section
        # An unnumbered heading: its title's words in capitals, cut at 24 characters (and not left
        # hanging on a dash: "PROMOTE-THE-DEVELOPMENT", not "PROMOTE-THE-DEVELOPMENT-").
        own = section.number or slugify(section.title).upper()[:24].rstrip("-") or "S"
        parent_key = keys.get(section.path[:-1])
        parent_number = numbers.get(section.path[:-1], "")
        number = section.number or ""
        if parent_key and parent_number and number.startswith(f"{parent_number}."):
            # Numbered in full under its parent ("2.1" under "2"): the printed number replaces the
            # parent's own at the end of the key, so the key is "2.1", not "2.2.1".
            key = parent_key.removesuffix(parent_number) + number
        else:
            key = f"{parent_key}.{own}" if parent_key else own
        numbers[section.path] = number
        candidate, n = key, 2
        while candidate in used:  # two headings whose keys would read alike ("A VIBRANT SOCIETY.. WITH …")
            candidate, n = f"{key}-{n}", n + 1
        keys[section.path] = candidate
        used.add(candidate)
    return keys


@dataclass
class _Planned:
    extracted: parser.Commitment
    section_key: str
    existing: Commitment | None = None
    kind: str = "added"  # added | unchanged | moved | revised
    reference: str = ""


def _match(planned: list[_Planned], stored: list[Commitment]) -> list[Commitment]:
    """Pair extracted commitments with stored ones; return the stored ones left over (vanished)."""
    by_text: dict[str, list[Commitment]] = defaultdict(list)
    for commitment in stored:
        by_text[normalise(commitment.text)].append(commitment)
    for item in planned:
        candidates = by_text.get(normalise(item.extracted.text))
        if candidates:
            item.existing = candidates.pop(0)
    matched = {item.existing.pk for item in planned if item.existing is not None}
    left = [c for c in stored if c.pk not in matched]
    # Light edits: same section, similar enough. Greedy by best ratio, deterministic order.
    pairs: list[tuple[float, int, int]] = []
    for i, item in enumerate(planned):
        if item.existing is not None:
            continue
        for j, old in enumerate(left):
            if (old.section.key if old.section else FRONT_MATTER_KEY) != item.section_key:
                continue
            matcher = SequenceMatcher(
                None, normalise(old.text), normalise(item.extracted.text), autojunk=False
            )
            if matcher.real_quick_ratio() >= REVISION_SIMILARITY and matcher.ratio() >= REVISION_SIMILARITY:
                pairs.append((matcher.ratio(), i, j))
    taken_new: set[int] = set()
    taken_old: set[int] = set()
    for _ratio, i, j in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i in taken_new or j in taken_old:
            continue
        planned[i].existing, planned[i].kind = left[j], "revised"
        taken_new.add(i)
        taken_old.add(j)
    return [old for j, old in enumerate(left) if j not in taken_old]


def import_document(
    text: str,
    meta: DocumentMeta,
    *,
    sector_assignments: Mapping[str, SectorAssignment] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import `text` as the document described by `meta`. With dry_run, plan only: no writes."""
    meta = meta.resolved()
    extracted = parser.extract(text)
    if not extracted.commitments:
        raise DocumentImportError(
            "no commitments found: is this a policy document? "
            "(nothing like 'X will …' or 'It will:' with items)"
        )
    with transaction.atomic():
        return _import(text, meta, extracted, sector_assignments or {}, dry_run)


def _import(
    text: str,
    meta: DocumentMeta,
    extracted: parser.ExtractedDocument,
    assignments: Mapping[str, SectorAssignment],
    dry_run: bool,
) -> ImportReport:
    _sector_ids(assignments)  # refuse a bad assignment file before anything is planned
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # The stored text is not needed to plan (its hash is): a long document is not read under the lock.
    document = Document.objects.select_for_update().defer("full_text").filter(slug=meta.slug).first()
    report = ImportReport(document=meta.slug, dry_run=dry_run, created=document is None)
    if document is None and Document.objects.filter(reference_prefix=meta.reference_prefix).exists():
        raise DocumentImportError(
            f"reference prefix {meta.reference_prefix} is used by another document: pass --prefix"
        )

    fields = {
        "title": meta.title[:300],
        "publisher": meta.publisher[:300],
        "published_on": meta.published_on,
        "source_url": meta.source_url,
        "period_start": meta.period_start,
        "period_end": meta.period_end,
        "language": meta.language,
    }
    if document is not None:
        report.text_changed = document.content_hash != content_hash
        report.metadata_changed = any(getattr(document, name) != value for name, value in fields.items())
        if not report.text_changed and not report.metadata_changed and not assignments:
            report.unchanged = document.commitments.count()
            return report  # the same file again: not one write

    keys = _section_keys(extracted.sections)
    stored_sections = {s.key: s for s in Section.objects.filter(document=document)} if document else {}
    report.sections_added = [key for key in keys.values() if key not in stored_sections]
    report.sections_vanished = [key for key in stored_sections if key not in set(keys.values())]

    stored = list(Commitment.objects.filter(document=document).select_related("section")) if document else []
    planned = [_Planned(item, keys.get(item.section, FRONT_MATTER_KEY)) for item in extracted.commitments]
    vanished = _match(planned, stored)
    report.vanished = sorted(c.reference for c in vanished)
    report.previous_texts = {c.reference: c.text for c in vanished}
    # A revision numbers new commitments with the document's own prefix: references never change.
    _assign_references(planned, stored, document.reference_prefix if document else meta.reference_prefix)
    for item in planned:
        if item.existing is None:
            report.added.append(item.reference)
            report.texts[item.reference] = item.extracted.text
        elif item.kind == "revised":
            report.revised.append(item.reference)
            report.texts[item.reference] = item.extracted.text
            report.previous_texts[item.reference] = item.existing.text
        elif _place(item.existing) != (
            item.extracted.start,
            item.extracted.end,
            item.section_key if item.extracted.section else None,
            item.extracted.lead_in or "",
        ):
            item.kind = "moved"
            report.moved.append(item.reference)
            report.texts[item.reference] = item.extracted.text
        else:
            item.kind = "unchanged"
            report.unchanged += 1

    if dry_run:
        report.sectors_assigned = sum(
            1 for item in planned if item.existing is None and item.reference in assignments
        )
        return report

    # Commitments whose representation this import changes get a new version (and so a new ETag).
    reshown: set[int] = set()
    if document is None:
        document = Document.objects.create(
            slug=meta.slug,
            reference_prefix=meta.reference_prefix,
            full_text=text,
            content_hash=content_hash,
            **fields,
        )
    else:
        if document.title != fields["title"]:  # every commitment shows its document's title
            reshown |= {c.pk for c in stored}
        if report.text_changed or report.metadata_changed:
            for name, value in {**fields, "full_text": text, "content_hash": content_hash}.items():
                setattr(document, name, value)
            document.save()

    paths_before = Section.objects.filter(document=document).paths()
    sections = _save_sections(document, extracted.sections, keys, stored_sections)
    renamed = {
        pk
        for pk, path in Section.objects.filter(document=document).paths().items()
        if pk in paths_before and paths_before[pk] != path
    }
    reshown |= {c.pk for c in stored if c.section_id in renamed}
    reshown |= _save_commitments(document, planned, sections)
    if reshown:
        stamp_new_version(Commitment.objects.filter(pk__in=reshown), actor=None)
    report.sectors_assigned = _apply_sectors(document, assignments, report.added)
    return report


def _place(commitment: Commitment) -> tuple[int, int, str | None, str]:
    """Where a stored commitment sits in the text; a change of place is a move, not a revision."""
    key = commitment.section.key if commitment.section else None
    return (commitment.start_offset, commitment.end_offset, key, commitment.lead_in)


def _assign_references(planned: list[_Planned], stored: list[Commitment], prefix: str) -> None:
    """Existing rows keep their reference; new ones take the next free number of their section."""
    highest: dict[str, int] = defaultdict(int)
    pattern = re.compile(rf"^{re.escape(prefix)}-(?P<key>.+)-(?P<n>\d+)$")
    for commitment in stored:
        found = pattern.match(commitment.reference)
        if found:
            highest[found["key"]] = max(highest[found["key"]], int(found["n"]))
    for item in planned:
        if item.existing is not None:
            item.reference = item.existing.reference
        else:
            highest[item.section_key] += 1
            item.reference = f"{prefix}-{item.section_key}-{highest[item.section_key]:02d}"


def _save_sections(
    document: Document,
    extracted: tuple[parser.Section, ...],
    keys: dict[tuple[str, ...], str],
    stored: dict[str, Section],
) -> dict[str, Section]:
    by_key = dict(stored)
    saved: set[str] = set()
    for position, section in enumerate(extracted):
        key = keys[section.path]
        if key in saved:
            continue  # a heading printed again (a running title): the section stays where it begins
        saved.add(key)
        parent = by_key.get(keys.get(section.path[:-1], "")) if len(section.path) > 1 else None
        values: dict[str, Any] = {
            "parent": parent,
            "number": (section.number or "")[:20],
            "title": section.title[:300],
            "heading": section.heading[:330],
            "level": section.level,
            "position": position,
            "start_offset": section.start,
        }
        row = by_key.get(key)
        if row is None:
            by_key[key] = Section.objects.create(document=document, key=key, **values)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    return by_key


def _save_commitments(document: Document, planned: list[_Planned], sections: dict[str, Section]) -> set[int]:
    """Create the added commitments and rewrite the moved and revised ones; return the latter's ids."""
    new: list[Commitment] = []
    changed: list[Commitment] = []
    for item in planned:
        section = sections.get(item.section_key) if item.extracted.section else None
        values = {
            "section": section,
            "text": item.extracted.text,
            "lead_in": item.extracted.lead_in or "",
            "start_offset": item.extracted.start,
            "end_offset": item.extracted.end,
            "extraction_rule": item.extracted.rule[:40],
        }
        if item.existing is None:
            new.append(
                Commitment(
                    document=document, reference=item.reference, target_date=document.period_end, **values
                )
            )
        elif item.kind in {"moved", "revised"}:
            for name, value in values.items():
                setattr(item.existing, name, value)
            changed.append(item.existing)
    Commitment.objects.bulk_create(new, batch_size=500)
    if changed:
        Commitment.objects.bulk_update(
            changed,
            ["section", "text", "lead_in", "start_offset", "end_offset", "extraction_rule"],
            batch_size=500,
        )
    return {commitment.pk for commitment in changed}


def _sector_ids(assignments: Mapping[str, SectorAssignment]) -> dict[str, int]:
    """Sector ids by slug for every slug the assignments name; DocumentImportError for unknown ones."""
    slugs = {a.primary for a in assignments.values()} | {s for a in assignments.values() for s in a.secondary}
    sectors = dict(Sector.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    unknown = sorted(slugs - set(sectors))
    if unknown:
        raise DocumentImportError(f"unknown sector slug(s) in the assignments: {', '.join(unknown)}")
    return sectors


def _apply_sectors(document: Document, assignments: Mapping[str, SectorAssignment], added: list[str]) -> int:
    """Apply curated sectors to the commitments this import added (a lead's later choice stays)."""
    assignments = {reference: assignments[reference] for reference in added if reference in assignments}
    if not assignments:
        return 0
    sectors = _sector_ids(assignments)
    bare = Commitment.objects.filter(document=document, reference__in=list(assignments))
    links: list[CommitmentSector] = []
    count = 0
    for pk, reference in bare.values_list("pk", "reference"):
        assignment = assignments[reference]
        links.append(
            CommitmentSector(commitment_id=pk, sector_id=sectors[assignment.primary], is_primary=True)
        )
        links.extend(
            CommitmentSector(commitment_id=pk, sector_id=sectors[slug])
            for slug in dict.fromkeys(assignment.secondary)
            if slug != assignment.primary
        )
        count += 1
    CommitmentSector.objects.bulk_create(links)
    return count


def read_sector_assignments(raw: Mapping[str, Any]) -> dict[str, SectorAssignment]:
    """{"REF": {"primary": "slug", "secondary": ["slug", …]}} → assignments (or DocumentImportError)."""
    assignments: dict[str, SectorAssignment] = {}
    for reference, entry in raw.items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("primary"), str):
            raise DocumentImportError(f"sector assignment for {reference} needs a 'primary' sector slug")
        secondary = entry.get("secondary", [])
        if not isinstance(secondary, list) or not all(isinstance(slug, str) for slug in secondary):
            raise DocumentImportError(f"'secondary' sectors of {reference} must be a list of slugs")
        assignments[reference] = SectorAssignment(entry["primary"], tuple(secondary))
    return assignments
