"""Importing a document from the admin: upload, a dry-run preview, then the import itself.

The same import as `manage.py import_document` (importer.loader.import_document does the work, in one
transaction, under the document's row lock); the admin only reads the upload and shows the plan.

Between the preview and the import the normalised text travels in the page, signed
(`django.core.signing`, bound to the user and the document, expiring after PLAN_MAX_AGE). Signed
rather than kept on the server because the default cache is per process (the confirming request may
reach another web process) and the session is read on every admin request (a megabyte of text would
ride along on each one until removed); a signature needs no storage and no clean-up, and nothing the
browser sends back is trusted unless it is exactly what this server rendered. The import re-runs
from that text: it never replays the preview, so if someone imported meanwhile, the report shown is
what really happened.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Final

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from commitments.display import acting_user, truncate
from commitments.forms import DocumentImportForm
from commitments.importer.loader import DocumentImportError, DocumentMeta, ImportReport, import_document
from commitments.models import Document

PLAN_SALT: Final = "commitments.admin.document-import"
PLAN_MAX_AGE: Final = 60 * 60  # seconds within which a preview can be confirmed
# An added or moved commitment's text in the preview's table (the whole text on hover).
PREVIEW_TEXT_LENGTH: Final = 300

PLAN_EXPIRED: Final = "This preview has expired or was altered: upload the file again."
DOCUMENT_APPEARED: Final = (
    "A document with the slug “{slug}” was imported since the preview: nothing was written. "
    "Import a revised text from its page."
)
IMPORTED_MEANWHILE: Final = (
    "Another import wrote this document at the same moment: nothing was written. Try again."
)
TEXT_TOO_LONG: Final = (
    "The text of this file is too long to confirm from the admin: import it with "
    "`manage.py import_document` (docs/importing.md)."
)

_DETAILS = ["title", "slug", "reference_prefix", "publisher", "published_on", "source_url", "language"]
_FIELDSETS: list[tuple[str | None, dict[str, list[str]]]] = [
    (None, {"fields": ["file", "encoding"]}),
    ("Document", {"fields": _DETAILS}),
    ("Plan period", {"fields": ["period_start", "period_end"]}),
]


# --- The plan between the two steps -----------------------------------------------------------------


def sign_plan(*, text: str, meta: DocumentMeta, name: str, document: Document | None, user_id: int) -> str:
    """The text to import and its details, signed for this user and this document (None: a new one)."""
    payload = {
        "document": document.pk if document else None,
        "name": name,
        "text": text,
        "meta": {key: _to_json(value) for key, value in dataclasses.asdict(meta).items()},
    }
    return signing.dumps(payload, salt=f"{PLAN_SALT}:{user_id}", compress=True)


def read_plan(token: str, *, document: Document | None, user_id: int) -> tuple[str, DocumentMeta, str]:
    """(text, meta, file name) of a plan signed for this user and document; signing.BadSignature (also
    when expired or signed for another document) otherwise."""
    payload = signing.loads(token, salt=f"{PLAN_SALT}:{user_id}", max_age=PLAN_MAX_AGE)
    if payload.get("document") != (document.pk if document else None):
        raise signing.BadSignature("signed for another document")
    raw = payload["meta"]
    published_on = raw["published_on"]
    meta = DocumentMeta(
        title=raw["title"],
        period_start=datetime.date.fromisoformat(raw["period_start"]),
        period_end=datetime.date.fromisoformat(raw["period_end"]),
        publisher=raw["publisher"],
        published_on=datetime.date.fromisoformat(published_on) if published_on else None,
        slug=raw["slug"],
        reference_prefix=raw["reference_prefix"],
        source_url=raw["source_url"],
        language=raw["language"],
    )
    if document is not None:  # references never change, whatever the plan says
        meta = dataclasses.replace(meta, slug=document.slug, reference_prefix=document.reference_prefix)
    return payload["text"], meta, payload["name"]


def _to_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _fits_in_a_post(token: str) -> bool:
    """Whether the confirming POST stays under DATA_UPLOAD_MAX_MEMORY_SIZE (Django refuses it otherwise)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return limit is None or len(token) + 16 * 1024 < limit


# --- The preview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedChange:
    """One line of the preview: a commitment by its reference, its text cut short, its whole text on
    hover and, for a revision, what changed word by word."""

    reference: str
    text: str
    short: str
    diff: SafeString | None = None


def word_diff_html(old: str, new: str) -> SafeString:
    """`new` with the words `old` had and it lacks struck out and its own words marked, both escaped."""
    before, after = old.split(), new.split()
    parts: list[SafeString] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(format_html("{}", " ".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", " ".join(before[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", " ".join(after[j1:j2])))
    return format_html_join(" ", "{}", ((part,) for part in parts))


def planned_changes(report: ImportReport) -> dict[str, list[PlannedChange]]:
    """What the preview lists, from the dry run's report (no further queries)."""

    def change(reference: str, text: str, diff: SafeString | None = None) -> PlannedChange:
        return PlannedChange(reference, text, truncate(text, PREVIEW_TEXT_LENGTH), diff)

    return {
        "added": [change(ref, report.texts[ref]) for ref in report.added],
        "revised": [
            change(ref, report.texts[ref], word_diff_html(report.previous_texts[ref], report.texts[ref]))
            for ref in report.revised
        ],
        "vanished": [change(ref, report.previous_texts[ref]) for ref in report.vanished],
        "moved": [change(ref, report.texts[ref]) for ref in report.moved],
    }


def detail_rows(meta: DocumentMeta, document: Document | None) -> list[tuple[str, Any, Any]]:
    """(label, value the import gives, value it replaces or None) for each of the document's details."""
    rows = []
    for name in (*_DETAILS, "period_start", "period_end"):
        label = str(getattr(Document._meta.get_field(name), "verbose_name", name))
        value = getattr(meta, name)
        before = getattr(document, name) if document is not None else None
        rows.append((label, value, before if document is not None and before != value else None))
    return rows


# --- The views --------------------------------------------------------------------------------------


class DocumentImportViews(admin.ModelAdmin):
    """The import pages of DocumentAdmin (which routes to them in get_urls): a new document needs the
    add permission, a revised text the change permission of that document."""

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._import(request, None)

    def import_revision_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        document = self.get_object(request, unquote(object_id))
        if document is None:
            raise Http404(f"No document with ID {object_id!r}.")
        if not self.has_change_permission(request, document):
            raise PermissionDenied
        return self._import(request, document)

    def _import(self, request: HttpRequest, document: Document | None) -> HttpResponse:
        if request.method == "POST" and "confirm" in request.POST:
            return self._apply(request, document)
        if request.method != "POST":
            return self._form_page(request, document, DocumentImportForm(document=document))
        form = DocumentImportForm(request.POST, request.FILES, document=document)
        if not form.is_valid() or form.text is None or form.meta is None:
            return self._form_page(request, document, form)
        name = form.file_name
        token = sign_plan(
            text=form.text, meta=form.meta, name=name, document=document, user_id=acting_user(request).pk
        )
        if not _fits_in_a_post(token):
            form.add_error("file", ValidationError(TEXT_TOO_LONG, code="too_long"))
            return self._form_page(request, document, form)
        try:
            report = import_document(form.text, form.meta, dry_run=True)
        except DocumentImportError as error:
            form.add_error(None, ValidationError(str(error), code="refused"))
            return self._form_page(request, document, form)
        context = {
            **self._context(request, document, "Preview of the import"),
            "report": report,
            "meta": form.meta,
            "details": detail_rows(form.meta, document),
            "file_name": name,
            "plan": token,
            **planned_changes(report),
        }
        return TemplateResponse(request, "admin/commitments/document/import_preview.html", context)

    def _apply(self, request: HttpRequest, document: Document | None) -> HttpResponse:
        """Step 2: the import itself, again from the signed text (never the preview replayed)."""
        user = acting_user(request)
        try:
            text, meta, name = read_plan(request.POST.get("plan", ""), document=document, user_id=user.pk)
        except signing.BadSignature:
            return self._refused(request, document, PLAN_EXPIRED)
        if document is None and Document.objects.filter(slug=meta.slug).exists():
            return self._refused(request, document, DOCUMENT_APPEARED.format(slug=meta.slug))
        try:
            report = import_document(text, meta)
        except DocumentImportError as error:
            return self._refused(request, document, str(error))
        except IntegrityError:  # a concurrent first import of the same slug or prefix won the race
            return self._refused(request, document, IMPORTED_MEANWHILE)
        imported = Document.objects.defer("full_text").get(slug=meta.slug)
        if report.changes_anything:
            lines = report.lines()
            log = self.log_addition if report.created else self.log_change
            log(request, imported, f"Imported {name}. {lines[1]}")
        for line in report.lines():
            level = messages.WARNING if line.startswith("Vanished") else messages.SUCCESS
            self.message_user(request, line, level)
        return HttpResponseRedirect(reverse("admin:commitments_document_change", args=[imported.pk]))

    def _refused(self, request: HttpRequest, document: Document | None, reason: str) -> HttpResponse:
        """The upload form again (the file must be chosen anew) with why nothing was imported."""
        return self._form_page(request, document, DocumentImportForm(document=document), refusal=reason)

    def _form_page(
        self, request: HttpRequest, document: Document | None, form: DocumentImportForm, refusal: str = ""
    ) -> HttpResponse:
        title = "Import a revised text" if document is not None else "Import a document"
        context = {
            **self._context(request, document, title),
            # AdminForm renders any form with the admin's fieldsets (the stubs ask for a ModelForm).
            "adminform": helpers.AdminForm(form, _FIELDSETS, {}, model_admin=self),  # type: ignore[arg-type]
            "form": form,
            "refusal": refusal,
        }
        return TemplateResponse(request, "admin/commitments/document/import_form.html", context)

    def _context(self, request: HttpRequest, document: Document | None, title: str) -> dict[str, Any]:
        cancel = (
            reverse("admin:commitments_document_change", args=[document.pk])
            if document is not None
            else reverse("admin:commitments_document_changelist")
        )
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "document": document,
            "media": self.media,
            "cancel_url": cancel,
        }
