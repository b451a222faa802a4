"""The admin's document import: a lead uploads a file, sees what would be added, revised, moved or
vanish (nothing written), and confirms; the import then runs again for real. Analysts cannot."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commitments import forms as import_forms
from commitments.admin import imports
from commitments.importer.loader import DocumentMeta, import_document
from commitments.models import Commitment, Document, Section
from tests.admin_helpers import admin_client
from tests.documents import RIVERS, RIVERS_REVISED
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db

PLAN = RIVERS
REVISED = RIVERS_REVISED

PLAN_HTML = """<!doctype html><html><head><title>Rivers</title></head><body><nav>Home | About</nav><main>
<h1>A Plan for Rivers: 2026-2030</h1><p>The Water Office</p><p>March 2026</p>
<h2>I. Achievements</h2><p>From 2021 to 2025 the country built 40 dams and cleaned 12 rivers.</p>
<h2>II. Main Tasks</h2><h3>1. Flood Control</h3>
<p>In the next five years, the country will strengthen flood control along the major rivers. It will:</p>
<ul><li>Build 30 new flood barriers on the Long River;</li>
<li>Upgrade early-warning stations in every river basin;</li><li>Train 5,000 local emergency staff.</li></ul>
<h3>2. Drinking Water</h3><p>The country will connect every village to safe piped water by 2030.</p>
<p>It will publish water quality data every month.</p></main><footer>Contact us</footer></body></html>"""

DETAILS = {"period_start": "2026-01-01", "period_end": "2030-12-31", "language": "en"}
IMPORT_URL = reverse("admin:commitments_document_import")


def upload(text: str | bytes, name: str = "rivers.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text)


def revision_url(document: Document) -> str:
    return reverse("admin:commitments_document_import_revision", args=[document.pk])


def imported_rivers() -> Document:
    meta = DocumentMeta(
        title="A Plan for Rivers",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2030, 12, 31),
        slug="rivers",
        reference_prefix="RIV",
    )
    import_document(PLAN, meta)
    return Document.objects.get(slug="rivers")


def preview(client: Client, url: str, file: SimpleUploadedFile, **fields: str) -> Any:
    return client.post(url, {"file": file, **DETAILS, **fields})


def confirm(client: Client, url: str, preview_page: Any) -> Any:
    """Press "Import" on a preview page, posting what its form holds."""
    return client.post(
        url, {**form_data(preview_page.content.decode(), "document_import_confirm"), "confirm": ""}
    )


def table(page: Any, table_id: str) -> str:
    html = page.content.decode()
    start = html.index(f'id="{table_id}"')
    return html[start : html.index("</table>", start)]


def snapshot() -> list[tuple[object, ...]]:
    return list(
        Commitment.objects.order_by("reference").values_list("reference", "text", "version", "start_offset")
    )


# --- A new document ---------------------------------------------------------------------------------


def test_a_lead_previews_a_new_document_and_nothing_is_written(lead: Any) -> None:
    client = admin_client(lead)
    changelist = client.get(reverse("admin:commitments_document_changelist"))
    assert f'href="{IMPORT_URL}"' in changelist.content.decode()
    assert client.get(IMPORT_URL).status_code == 200

    page = preview(client, IMPORT_URL, upload(PLAN), slug="rivers", reference_prefix="riv")

    assert page.status_code == 200
    added = table(page, "import-added")
    for reference in ("RIV-II.1-01", "RIV-II.1-04", "RIV-II.2-02"):
        assert reference in added
    assert "Build 30 new flood barriers on the Long River" in added
    assert "<strong>6</strong> added" in page.content.decode()
    assert not Document.objects.exists()
    assert not Commitment.objects.exists()
    assert not Section.objects.exists()


def test_confirming_the_preview_imports_the_document(lead: Any) -> None:
    client = admin_client(lead)
    page = preview(client, IMPORT_URL, upload(PLAN), publisher="The Water Office")

    response = confirm(client, IMPORT_URL, page)

    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:commitments_document_change", args=[document.pk])
    # The defaults the command gives: the title found in the text, the slug from it, the prefix from
    # the title's initials and year.
    assert document.title == "A Plan for Rivers: 2026-2030"
    assert document.slug == "a-plan-for-rivers-2026-2030"
    assert document.reference_prefix == "PR2026"
    assert document.publisher == "The Water Office"
    assert document.full_text == PLAN
    assert Commitment.objects.filter(document=document).count() == 6
    shown = client.get(response["Location"]).content.decode()
    assert "Commitments: 6 were added" in shown
    assert LogEntry.objects.get().object_id == str(document.pk)


def test_a_web_page_imports_as_its_main_text(lead: Any) -> None:
    client = admin_client(lead)
    page = preview(
        client, IMPORT_URL, upload(PLAN_HTML, "rivers.html"), slug="rivers", reference_prefix="RIV"
    )
    assert "Build 30 new flood barriers on the Long River" in table(page, "import-added")

    confirm(client, IMPORT_URL, page)

    document = Document.objects.get(slug="rivers")
    assert "Home | About" not in document.full_text
    assert Commitment.objects.filter(document=document).count() == 6


def test_a_word_document_imports_as_its_text(lead: Any) -> None:
    from tests.test_document_sources import paragraph, word_document

    body = "".join(paragraph(line) for line in PLAN.splitlines() if line.strip())
    client = admin_client(lead)
    page = preview(
        client, IMPORT_URL, upload(word_document(body), "rivers.docx"), slug="rivers", reference_prefix="RIV"
    )
    assert "Build 30 new flood barriers on the Long River" in table(page, "import-added")

    confirm(client, IMPORT_URL, page)

    assert Commitment.objects.filter(document__slug="rivers").count() == 6


def test_a_gbk_file_that_cannot_be_told_apart_is_refused_on_the_form_until_named(lead: Any) -> None:
    # 中 in GBK is the bytes of "ÖÐ" in Windows-1252: nothing in the file tells which was meant.
    data = PLAN.replace("Long River", "中 River").encode("gb18030")
    assert data == PLAN.replace("Long River", "ÖÐ River").encode("cp1252")
    client = admin_client(lead)

    page = preview(client, IMPORT_URL, upload(data), slug="rivers")

    [error] = page.context["form"].errors["file"]
    assert error.startswith("cannot read rivers.txt: not UTF-8, and it could be GB18030/GBK")
    assert "Windows-1252" in error
    assert error.endswith("choose its encoding below")
    assert "\n" not in error
    assert not Document.objects.exists()

    page = preview(client, IMPORT_URL, upload(data), slug="rivers", encoding="gb18030")
    assert "Build 30 new flood barriers on the 中 River" in table(page, "import-added")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"reference_prefix": "A/B"}, "reference_prefix", import_forms.PREFIX_RULE),
        ({"period_end": "2025-12-31"}, "period_end", import_forms.PERIOD_INVERTED),
        ({"source_url": "ftp://example.org/plan.txt"}, "source_url", None),
    ],
    ids=["prefix", "period", "source-url"],
)
def test_bad_details_are_form_errors(
    lead: Any, fields: dict[str, str], field: str, message: str | None
) -> None:
    page = preview(admin_client(lead), IMPORT_URL, upload(PLAN), **fields)

    assert page.status_code == 200
    errors = page.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert not Document.objects.exists()


def test_a_taken_slug_or_prefix_is_a_form_error_not_a_revision(lead: Any) -> None:
    imported_rivers()
    before = snapshot()

    page = preview(admin_client(lead), IMPORT_URL, upload(REVISED), slug="rivers", reference_prefix="RIV")

    errors = page.context["form"].errors
    assert errors["slug"] == [import_forms.SLUG_TAKEN.format(slug="rivers")]
    assert errors["reference_prefix"] == [import_forms.PREFIX_TAKEN.format(prefix="RIV")]
    assert snapshot() == before


def test_a_file_of_the_wrong_kind_or_too_large_is_refused(lead: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    client = admin_client(lead)
    page = preview(client, IMPORT_URL, upload(PLAN, "rivers.xlsx"))
    assert "File extension “xlsx” is not allowed" in page.context["form"].errors["file"][0]

    monkeypatch.setattr(import_forms, "MAX_UPLOAD_BYTES", 1024 * 1024)
    page = preview(client, IMPORT_URL, upload(PLAN.ljust(1258291, "\n")))  # 1.2 MB
    assert page.context["form"].errors["file"] == ["The file is 1.2 MB; the limit is 1 MB."]


def test_a_text_without_commitments_is_refused_on_the_form(lead: Any) -> None:
    page = preview(admin_client(lead), IMPORT_URL, upload("A Plan\n\nThe rivers are long and wide.\n"))

    [error] = page.context["form"].non_field_errors()
    assert error.startswith("no commitments found")
    assert not Document.objects.exists()


def test_markup_in_the_uploaded_text_is_shown_as_text(lead: Any) -> None:
    text = PLAN.replace("Long River", '<script>alert("x")</script> River')

    page = preview(admin_client(lead), IMPORT_URL, upload(text), slug="rivers")

    html = page.content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; River" in table(page, "import-added")


# --- A revised text ---------------------------------------------------------------------------------


def test_a_revised_text_previews_what_is_added_revised_moved_and_vanished(lead: Any) -> None:
    document = imported_rivers()
    before = snapshot()
    client = admin_client(lead)
    change_page = client.get(reverse("admin:commitments_document_change", args=[document.pk]))
    assert f'href="{revision_url(document)}"' in change_page.content.decode()

    page = preview(client, revision_url(document), upload(REVISED, "rivers-2.txt"))

    assert page.status_code == 200
    assert [item.reference for item in page.context["added"]] == ["RIV-II.1-05"]
    assert "Map every flood plain at 1:10,000 scale" in table(page, "import-added")
    assert [item.reference for item in page.context["revised"]] == ["RIV-II.1-03"]
    assert "<ins>the</ins> early-warning stations" in table(page, "import-revised")
    assert [item.reference for item in page.context["vanished"]] == ["RIV-II.2-02"]
    assert "It will publish water quality data every month." in table(page, "import-vanished")
    assert [item.reference for item in page.context["moved"]] == ["RIV-II.1-04", "RIV-II.2-01"]
    assert snapshot() == before

    response = confirm(client, revision_url(document), page)

    assert response.status_code == 302
    assert Commitment.objects.get(reference="RIV-II.1-03").text == (
        "Upgrade the early-warning stations in every river basin"
    )
    assert Commitment.objects.filter(reference="RIV-II.1-05").exists()
    assert Commitment.objects.filter(reference="RIV-II.2-02").exists()  # vanished, never deleted
    assert Document.objects.get(pk=document.pk).full_text == REVISED
    shown = client.get(response["Location"]).content.decode()
    assert "Vanished: RIV-II.2-02" in shown


def test_a_revision_keeps_the_slug_and_prefix_and_may_change_the_details(lead: Any) -> None:
    document = imported_rivers()
    client = admin_client(lead)
    form = client.get(revision_url(document)).context["form"]
    assert form.fields["slug"].disabled
    assert form.fields["reference_prefix"].disabled

    page = preview(
        client,
        revision_url(document),
        upload(PLAN),
        slug="other",
        reference_prefix="OTHER",
        title="A Plan for Rivers",
        publisher="The Water Ministry",
    )
    confirm(client, revision_url(document), page)

    document.refresh_from_db()
    assert (document.slug, document.reference_prefix) == ("rivers", "RIV")
    assert document.publisher == "The Water Ministry"
    assert sorted(Commitment.objects.values_list("reference", flat=True))[0] == "RIV-II.1-01"


def test_the_same_text_again_previews_no_change_and_offers_no_import(lead: Any) -> None:
    document = imported_rivers()

    page = preview(admin_client(lead), revision_url(document), upload(PLAN), title="A Plan for Rivers")

    assert "Importing this file would change nothing." in page.content.decode()
    assert 'name="confirm"' not in page.content.decode()


def test_an_import_in_between_is_reported_as_it_really_happened(lead: Any) -> None:
    document = imported_rivers()
    client = admin_client(lead)
    page = preview(client, revision_url(document), upload(REVISED), title="A Plan for Rivers")
    # A colleague imports the same revision between this lead's preview and confirmation.
    import_document(REVISED, DocumentMeta(**{**_meta_of(document), "title": "A Plan for Rivers"}))
    after_colleague = snapshot()

    response = confirm(client, revision_url(document), page)

    assert response.status_code == 302
    assert snapshot() == after_colleague
    shown = client.get(response["Location"]).content.decode()
    assert "text unchanged" in shown
    assert "0 were added" in shown


def _meta_of(document: Document) -> dict[str, Any]:
    return {
        "title": document.title,
        "period_start": document.period_start,
        "period_end": document.period_end,
        "slug": document.slug,
        "reference_prefix": document.reference_prefix,
    }


def test_an_altered_foreign_or_expired_plan_is_refused_and_nothing_is_written(
    lead: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = imported_rivers()
    client = admin_client(lead)
    page = preview(client, revision_url(document), upload(REVISED))
    plan = str(form_data(page.content.decode(), "document_import_confirm")["plan"])
    before = snapshot()

    altered = client.post(revision_url(document), {"plan": plan[:-3] + "abc", "confirm": ""})
    as_new = client.post(IMPORT_URL, {"plan": plan, "confirm": ""})
    colleague = admin_client(make_user("lead", username="lou"))
    someone_else = colleague.post(revision_url(document), {"plan": plan, "confirm": ""})
    monkeypatch.setattr(imports, "PLAN_MAX_AGE", -1)
    expired = client.post(revision_url(document), {"plan": plan, "confirm": ""})

    for response in (altered, as_new, someone_else, expired):
        assert response.status_code == 200
        assert response.context["refusal"] == imports.PLAN_EXPIRED
    assert snapshot() == before


def test_a_preview_costs_the_same_queries_however_long_the_document(lead: Any) -> None:
    client = admin_client(lead)
    client.get(IMPORT_URL)  # the session and permissions, as on any admin page

    def preview_queries(text: str, slug: str) -> int:
        meta = DocumentMeta(
            title=slug,
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2030, 12, 31),
            slug=slug,
            reference_prefix=slug.upper(),
        )
        import_document(text, meta)
        document = Document.objects.get(slug=slug)
        with CaptureQueriesContext(connection) as captured:
            page = preview(client, revision_url(document), upload(text.replace("every", "each")))
        assert page.status_code == 200
        sql = "\n".join(f"{n}. {query['sql'][:200]}" for n, query in enumerate(captured.captured_queries, 1))
        # Session, user, permissions (2), the document; the dry run: lock, sections, commitments.
        assert len(captured) == 10, f"{len(captured)} queries:\n{sql}"
        return len(captured)

    longer = PLAN + "".join(
        f"\n{n}. Basin {n}\n\nThe country will dredge basin {n} by 2028.\n" for n in range(3, 30)
    )
    assert preview_queries(PLAN, "short") == preview_queries(longer, "long")


# --- Who may ----------------------------------------------------------------------------------------


def test_an_analyst_sees_no_import_button_and_is_refused_the_pages(analyst: Any) -> None:
    document = imported_rivers()
    client = admin_client(analyst)

    changelist = client.get(reverse("admin:commitments_document_changelist")).content.decode()
    change_page = client.get(
        reverse("admin:commitments_document_change", args=[document.pk])
    ).content.decode()

    assert IMPORT_URL not in changelist
    assert revision_url(document) not in change_page
    assert client.get(IMPORT_URL).status_code == 403
    assert client.get(revision_url(document)).status_code == 403
    assert preview(client, IMPORT_URL, upload(REVISED), slug="new").status_code == 403
    assert preview(client, revision_url(document), upload(REVISED)).status_code == 403
    assert Commitment.objects.count() == 6


def test_adding_a_document_is_importing_one(lead: Any) -> None:
    client = admin_client(lead)

    changelist = client.get(reverse("admin:commitments_document_changelist")).content.decode()
    response = client.get(reverse("admin:commitments_document_add"))

    assert reverse("admin:commitments_document_add") not in changelist
    assert IMPORT_URL in changelist
    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL


def test_the_slug_and_prefix_are_read_only_once_the_document_exists(lead: Any) -> None:
    document = imported_rivers()
    client = admin_client(lead)
    url = reverse("admin:commitments_document_change", args=[document.pk])

    page = client.get(url).content.decode()
    form = form_data(page, "document_form")
    assert "slug" not in form
    assert "reference_prefix" not in form
    assert "RIV" in page  # shown, as text
    response = client.post(url, {**form, "slug": "other", "reference_prefix": "OTHER", "title": "Rivers"})

    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.title, document.slug, document.reference_prefix) == ("Rivers", "rivers", "RIV")
    assert 'name="reference_prefix"' in client.get(IMPORT_URL).content.decode()  # chosen on import


def test_a_text_too_long_to_confirm_is_sent_to_the_command(lead: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024  # the signed text must fit in the confirming POST

    page = preview(admin_client(lead), IMPORT_URL, upload(PLAN), slug="rivers")

    assert page.context["form"].errors["file"] == [imports.TEXT_TOO_LONG]
