"""Link health and archived copies (commitments/linkcheck.py): checks against a loopback HTTP server
(reachable through the test-only allowance for 127.0.0.1 alone), the schedule, the archive and its
"page changed since cited" flag, planning a batch in a fixed number of queries, one claim per link
and URL across workers, the command and the beat task; then what the API, the admin, the public page
and the digest show."""

from __future__ import annotations

import datetime
import hashlib
import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments import linkcheck
from commitments.choices import LinkStatus
from commitments.fetching import Fetcher, FetchResult, Outcome
from commitments.importer.sources import html_to_text
from commitments.models import Commitment, Evidence, EvidenceArchive, EvidenceLink
from commitments.tasks import check_evidence_links
from tests.factories import CommitmentFactory, EvidenceFactory
from tests.http_server import LoopbackServer

pytestmark = pytest.mark.django_db

PAGE = (
    "<html><head><title>Launch</title></head><body><nav>Menu</nav>"
    "<main><h1>Chang'e-6</h1><p>{}</p></main></body></html>"
)


@pytest.fixture
def server(settings: Any) -> Iterator[LoopbackServer]:
    settings.TRACKER_FETCH_ALLOW_HOSTS = ["127.0.0.1"]  # this loopback server and nothing else
    settings.TRACKER_FETCH_TIMEOUT = 2
    with LoopbackServer() as running:
        yield running


def evidence_at(url: str, **fields: Any) -> Evidence:
    return EvidenceFactory.create(url=url, **fields)


def check(**kwargs: Any) -> linkcheck.CheckSummary:
    return linkcheck.check_evidence(**kwargs)


def link(evidence: Evidence) -> EvidenceLink:
    return EvidenceLink.objects.get(evidence=evidence)


def waits(health: EvidenceLink) -> datetime.timedelta:
    """How long after its check a link is checked again."""
    assert health.checked_at is not None
    return health.next_check_at - health.checked_at


def later() -> None:
    """Pretend the time to check again has come for every link."""
    EvidenceLink.objects.update(next_check_at=timezone.now() - datetime.timedelta(seconds=1))


# --- What a check records -------------------------------------------------------------------------


def test_a_reachable_page_is_ok_and_its_main_text_is_archived_with_its_hash(server: LoopbackServer) -> None:
    html = PAGE.format("Samples returned from the far side.")
    evidence = evidence_at(server.page("/story", html))

    summary = check()

    health = link(evidence)
    assert (health.status, health.http_status, health.failure_count) == (LinkStatus.OK, 200, 0)
    assert health.final_url == evidence.url
    assert health.redirects == []
    assert health.checked_at is not None
    assert waits(health) == datetime.timedelta(days=7)
    assert health.claimed_until is None
    archive = EvidenceArchive.objects.get(evidence=evidence)
    expected = html_to_text(html)
    assert archive.text == expected
    assert "Menu" not in archive.text
    assert archive.sha256 == hashlib.sha256(expected.encode()).hexdigest()
    assert (archive.size, archive.truncated) == (len(html.encode()), False)
    assert archive.content_type == "text/html; charset=utf-8"
    assert not health.changed_since_cited
    assert (summary.checked, summary.count(LinkStatus.OK), summary.archived) == (1, 1, 1)


def test_a_redirected_link_records_its_chain_and_where_it_ended(server: LoopbackServer) -> None:
    server.page("/new", PAGE.format("Moved here."))
    evidence = evidence_at(server.redirect("/old", "/new", status=301))

    check()

    health = link(evidence)
    assert health.status == LinkStatus.REDIRECTED
    assert health.final_url == server.url("/new")
    assert health.redirects == [[301, server.url("/new")]]
    assert EvidenceArchive.objects.get(evidence=evidence).url == server.url("/new")


def test_a_404_is_broken_only_after_three_failures_in_a_row_retried_sooner_meanwhile(
    server: LoopbackServer,
) -> None:
    evidence = evidence_at(server.url("/gone"))

    first = check()
    health = link(evidence)
    assert (health.status, health.failure_count, health.http_status) == (LinkStatus.UNCHECKED, 1, 404)
    assert health.error == "HTTP 404"
    assert waits(health) == datetime.timedelta(hours=1)
    assert (first.failing, first.count(LinkStatus.BROKEN)) == (1, 0)

    later()
    check()
    health = link(evidence)
    assert (health.status, health.failure_count) == (LinkStatus.UNCHECKED, 2)
    assert waits(health) == datetime.timedelta(hours=6)

    later()
    third = check()
    health = link(evidence)
    assert (health.status, health.failure_count) == (LinkStatus.BROKEN, 3)
    assert waits(health) == datetime.timedelta(days=1)
    assert third.count(LinkStatus.BROKEN) == 1


def test_a_link_that_worked_keeps_its_status_through_a_passing_failure_and_recovers(
    server: LoopbackServer,
) -> None:
    url = server.page("/flaky", PAGE.format("Up."))
    evidence = evidence_at(url)
    check()
    server.routes["/flaky"].status = 503

    later()
    check()
    assert (link(evidence).status, link(evidence).failure_count) == (LinkStatus.OK, 1)

    server.routes["/flaky"].status = 200
    later()
    check()
    assert (link(evidence).status, link(evidence).failure_count) == (LinkStatus.OK, 0)


def test_the_number_of_failures_that_make_a_link_broken_is_a_setting(
    server: LoopbackServer, settings: Any
) -> None:
    settings.TRACKER_LINK_BROKEN_AFTER = 1
    evidence = evidence_at(server.url("/gone"))

    check()

    assert link(evidence).status == LinkStatus.BROKEN


def test_a_timeout_counts_as_a_failure(server: LoopbackServer, settings: Any) -> None:
    settings.TRACKER_FETCH_TIMEOUT = 0.3
    settings.TRACKER_LINK_BROKEN_AFTER = 1
    evidence = evidence_at(server.page("/slow", PAGE.format("Late."), delay=2))

    check()

    health = link(evidence)
    assert (health.status, health.http_status, health.error) == (
        LinkStatus.BROKEN,
        None,
        "timed out after 0.3 s",
    )


def test_a_body_over_the_cap_is_archived_up_to_the_cap_and_marked_truncated(
    server: LoopbackServer, settings: Any
) -> None:
    settings.TRACKER_FETCH_MAX_BYTES = 2000
    evidence = evidence_at(server.page("/long.txt", "word " * 10_000, content_type="text/plain"))

    check()

    archive = EvidenceArchive.objects.get(evidence=evidence)
    assert (archive.size, archive.truncated) == (2000, True)
    assert archive.text == ("word " * 400)
    assert link(evidence).status == LinkStatus.OK


def test_a_page_whose_text_changes_gets_a_new_archive_and_is_flagged_changed_since_cited(
    server: LoopbackServer,
) -> None:
    evidence = evidence_at(server.page("/story", PAGE.format("The launch is planned for May.")))
    check()
    later()
    check()  # the same text: nothing new kept
    assert EvidenceArchive.objects.filter(evidence=evidence).count() == 1

    server.page("/story", PAGE.format("The launch was cancelled."))
    later()
    summary = check()

    first, latest = EvidenceArchive.objects.filter(evidence=evidence).order_by("fetched_at", "pk")
    assert first.sha256 != latest.sha256
    assert "cancelled" in latest.text
    assert "planned for May" in first.text
    assert link(evidence).changed_since_cited
    assert (summary.archived, summary.changed) == (1, 1)


def test_a_private_address_is_refused_and_never_fetched(server: LoopbackServer, settings: Any) -> None:
    settings.TRACKER_FETCH_ALLOW_HOSTS = []
    evidence = evidence_at(server.page("/story", PAGE.format("Hidden.")))
    metadata = evidence_at("http://169.254.169.254/latest/meta-data/")

    summary = check()

    assert link(evidence).status == link(metadata).status == LinkStatus.REFUSED
    assert link(metadata).error == "169.254.169.254 is a cloud metadata address"
    assert waits(link(evidence)) == datetime.timedelta(days=7)
    assert server.requests == []
    assert summary.count(LinkStatus.REFUSED) == 2


def test_plain_text_is_archived_as_it_is_and_an_image_is_ok_without_an_archive(
    server: LoopbackServer,
) -> None:
    text = evidence_at(
        server.page("/data.txt", "Launch log\nline 2\n", content_type="text/plain; charset=utf-8")
    )
    image = evidence_at(server.page("/photo.png", b"\x89PNG\r\n\x1a\n...", content_type="image/png"))

    check()

    assert EvidenceArchive.objects.get(evidence=text).text == "Launch log\nline 2\n"
    assert link(image).status == LinkStatus.OK
    assert not EvidenceArchive.objects.filter(evidence=image).exists()


def test_a_pdf_is_archived_as_its_text_layer(server: LoopbackServer) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="The space station is complete.")
    evidence = evidence_at(server.page("/report.pdf", bytes(pdf.output()), content_type="application/pdf"))

    check()

    assert "The space station is complete." in EvidenceArchive.objects.get(evidence=evidence).text


def test_evidence_sharing_a_url_is_fetched_once_and_each_gets_the_result(server: LoopbackServer) -> None:
    url = server.page("/shared", PAGE.format("One page, two citations."))
    first, second = evidence_at(url), evidence_at(url)

    summary = check()

    assert server.hits("/shared") == 1
    assert link(first).status == link(second).status == LinkStatus.OK
    assert EvidenceArchive.objects.filter(evidence__in=[first, second]).count() == 2
    assert (summary.urls, summary.checked) == (1, 2)


def test_a_corrected_url_starts_its_link_health_afresh(server: LoopbackServer) -> None:
    from commitments import services

    evidence = evidence_at(server.url("/gone"))
    check()
    assert EvidenceLink.objects.filter(evidence=evidence).exists()

    evidence.url = server.page("/right", PAGE.format("The right page."))
    services.save_evidence(evidence=evidence, actor=None)

    assert not EvidenceLink.objects.filter(evidence=evidence).exists()
    check()
    assert link(evidence).status == LinkStatus.OK


def test_an_api_correction_of_the_url_answers_with_the_link_unchecked_and_no_archive() -> None:
    from rest_framework.test import APIClient

    from tests.factories import UserFactory

    evidence = EvidenceFactory.create()
    checked(evidence, LinkStatus.BROKEN)
    archived(evidence)
    lead = UserFactory.create(is_superuser=True, is_staff=True)
    client = APIClient()
    client.force_authenticate(lead)

    response = client.patch(
        f"/api/v1/evidence/{evidence.pk}/", {"url": "https://news.example.org/right"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["link_status"], response.json()["archived"]) == ("unchecked", None)
    assert not EvidenceArchive.objects.filter(evidence=evidence).exists()


# --- The schedule ---------------------------------------------------------------------------------


def test_only_what_is_due_is_checked_and_all_checks_everything_once(server: LoopbackServer) -> None:
    evidence_at(server.page("/story", PAGE.format("Hello.")))
    check()

    assert check().checked == 0  # next week
    assert check(everything=True).checked == 1
    assert server.hits("/story") == 2


def test_the_retry_delays_grow_and_never_pass_the_regular_interval(settings: Any) -> None:
    settings.TRACKER_LINK_CHECK_DAYS = 2
    delays = [linkcheck.retry_delay(n) for n in range(1, 7)]

    assert delays == [
        datetime.timedelta(hours=1),
        datetime.timedelta(hours=6),
        datetime.timedelta(days=1),
        datetime.timedelta(days=2),
        datetime.timedelta(days=2),
        datetime.timedelta(days=2),
    ]


def result(url: str) -> FetchResult:
    return FetchResult(url=url, outcome=Outcome.OK, status_code=200, final_url=url)


class CountingFetcher(Fetcher):
    """Answers 200 for every URL without a network, and remembers what it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def fetch(self, url: str) -> FetchResult:
        self.asked.append(url)
        return result(url)


def test_never_checked_evidence_comes_first_then_the_most_overdue() -> None:
    now = timezone.now()
    checked = [EvidenceFactory.create() for _ in range(3)]
    for n, evidence in enumerate(checked):
        EvidenceLink.objects.create(
            evidence=evidence,
            status=LinkStatus.OK,
            checked_at=now - datetime.timedelta(days=8),
            next_check_at=now - datetime.timedelta(days=n + 1),
        )
    new = EvidenceFactory.create()

    batch = linkcheck.plan_batch(now=now, limit=3)

    assert batch.evidence_ids == sorted(
        batch.evidence_ids, key=[new.pk, *[e.pk for e in reversed(checked)]].index
    )
    assert set(batch.evidence_ids) == {new.pk, checked[2].pk, checked[1].pk}


def test_a_claimed_link_is_not_planned_again_until_its_claim_lapses(settings: Any) -> None:
    evidence = EvidenceFactory.create()
    now = timezone.now()

    first = linkcheck.plan_batch(now=now, limit=10)
    again = linkcheck.plan_batch(now=now, limit=10)
    after_lease = linkcheck.plan_batch(now=now + datetime.timedelta(minutes=31), limit=10)

    assert first.evidence_ids == [evidence.pk]
    assert again.evidence_ids == []
    assert after_lease.evidence_ids == [evidence.pk]


def test_a_url_another_batch_holds_is_left_out_even_on_other_evidence() -> None:
    first = EvidenceFactory.create(url="https://news.example.org/same")
    now = timezone.now()
    linkcheck.plan_batch(now=now, limit=1)
    EvidenceFactory.create(url="https://news.example.org/same")  # added while the first is being checked

    assert linkcheck.plan_batch(now=now, limit=10).urls == []
    assert link(first).claimed_until is not None


def make_evidence(count: int) -> None:
    commitment = CommitmentFactory.create()
    Evidence.objects.bulk_create(
        Evidence(commitment=commitment, url=f"https://news.example.org/{n}", title=f"Story {n}")
        for n in range(count)
    )


def planning_queries(limit: int = 25) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        batch = linkcheck.plan_batch(limit=limit)
    return len(captured), len(batch.evidence_ids)


def test_planning_a_batch_takes_the_same_few_queries_over_ten_or_ten_thousand_rows() -> None:
    make_evidence(10)
    small, small_planned = planning_queries()
    Evidence.objects.all().delete()

    make_evidence(10_000)
    large, large_planned = planning_queries()
    EvidenceLink.objects.update(claimed_until=None, checked_at=timezone.now())  # all links exist now
    with_links = planning_queries()

    assert (small_planned, large_planned) == (10, 25)
    # (BEGIN/SAVEPOINT,) the advisory lock on PostgreSQL, evidence without a link, their links made,
    # URLs claimed elsewhere, the due links, the same URLs elsewhere, the claim (, COMMIT/RELEASE)
    assert small == large <= 9
    assert with_links[0] <= large


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_planning_at_once_claim_disjoint_batches_and_never_one_url_twice() -> None:
    commitment = CommitmentFactory.create()
    # Every URL on two evidence rows, added one after the other.
    Evidence.objects.bulk_create(
        Evidence(commitment=commitment, url=f"https://news.example.org/{n // 2}", title=f"Story {n}")
        for n in range(300)
    )
    start = threading.Barrier(4)
    batches: list[linkcheck.Batch] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            for _ in range(3):
                batches.append(linkcheck.plan_batch(limit=20))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    claimed = [pk for batch in batches for pk in batch.evidence_ids]
    urls = [planned.url for batch in batches for planned in batch.urls]
    assert len(claimed) == len(set(claimed))
    assert len(urls) == len(set(urls))
    assert len(claimed) == 2 * len(urls) == 4 * 3 * 20  # each URL with both its rows; every batch full
    assert EvidenceLink.objects.filter(claimed_until__isnull=False).count() == len(claimed)


# --- The command and the task ---------------------------------------------------------------------


def test_the_command_checks_what_is_due_and_prints_a_summary(server: LoopbackServer) -> None:
    evidence_at(server.page("/a", PAGE.format("A.")))
    evidence_at(server.url("/gone"))
    out = StringIO()

    call_command("check_evidence", stdout=out)

    text = out.getvalue()
    assert text.startswith("Evidence links due: 2 checked.")
    assert "ok          1" in text
    assert "failing     1" in text
    assert "archived    1 new archived copy" in text
    assert len(text.splitlines()) <= 12


def test_the_command_limit_and_all(server: LoopbackServer) -> None:
    for n in range(3):
        evidence_at(server.page(f"/{n}", PAGE.format(n)))
    out = StringIO()

    call_command("check_evidence", "--limit", "2", stdout=out)
    assert "2 checked" in out.getvalue()
    call_command("check_evidence", "--all", stdout=out)
    assert out.getvalue().splitlines()[-9] == "All evidence links: 3 checked."


def test_the_beat_task_checks_one_batch(server: LoopbackServer, settings: Any) -> None:
    settings.TRACKER_LINK_CHECK_BATCH = 2
    for n in range(3):
        evidence_at(server.page(f"/{n}", PAGE.format(n)))

    counts = check_evidence_links.apply().get()  # in this process, as a worker runs it

    assert counts["checked"] == 2
    assert EvidenceLink.objects.filter(status=LinkStatus.OK).count() == 2


def test_the_beat_schedule_runs_the_link_check_every_few_minutes_beside_the_reminders(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["check-evidence-links"]
    assert entry["task"] == check_evidence_links.name
    assert entry["schedule"] == settings.TRACKER_LINK_CHECK_MINUTES * 60
    assert "send-reminders" in settings.CELERY_BEAT_SCHEDULE


def test_nothing_due_checks_nothing() -> None:
    fetcher = CountingFetcher()
    assert check(fetcher=fetcher).checked == 0
    assert fetcher.asked == []
    assert Commitment.objects.count() == 0


# --- Where it shows: the API, the admin, the public page, the digest -------------------------------


def checked(evidence: Evidence, status: str, **fields: Any) -> EvidenceLink:
    """A link as a check left it, without a network."""
    fields.setdefault("checked_at", timezone.now())
    return EvidenceLink.objects.create(evidence=evidence, status=status, **fields)


def archived(evidence: Evidence, text: str = "Samples returned.\n") -> EvidenceArchive:
    return EvidenceArchive.objects.create(
        evidence=evidence,
        url=evidence.url,
        content_type="text/html",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        size=len(text),
        text=text,
    )


def api_evidence(pk: int) -> dict[str, Any]:
    from rest_framework.test import APIClient

    response = APIClient().get(f"/api/v1/evidence/{pk}/")
    assert response.status_code == 200
    return dict(response.json())


def test_the_api_says_how_each_link_fared_and_where_its_archived_copy_is() -> None:
    never = EvidenceFactory.create()
    moved = EvidenceFactory.create()
    checked(moved, LinkStatus.REDIRECTED, final_url="https://news.example.org/moved", http_status=200)
    archived(moved)

    fresh, redirected = api_evidence(never.pk), api_evidence(moved.pk)

    assert (fresh["link_status"], fresh["final_url"], fresh["checked_at"], fresh["archived"]) == (
        "unchecked",
        None,
        None,
        None,
    )
    assert redirected["link_status"] == "redirected"
    assert redirected["final_url"] == "https://news.example.org/moved"
    assert redirected["checked_at"] is not None
    assert redirected["archived"] == f"http://testserver/api/v1/evidence/{moved.pk}/archive/"


def test_the_archive_endpoint_gives_the_latest_copy_with_its_hash_and_the_changed_flag() -> None:
    from rest_framework.test import APIClient

    evidence = EvidenceFactory.create()
    checked(evidence, LinkStatus.OK, changed_since_cited=True)
    archived(evidence, "First version.\n")
    latest = archived(evidence, "Second version.\n")
    without = EvidenceFactory.create()

    body = APIClient().get(f"/api/v1/evidence/{evidence.pk}/archive/").json()
    missing = APIClient().get(f"/api/v1/evidence/{without.pk}/archive/")

    assert body["text"] == "Second version.\n"
    assert body["sha256"] == latest.sha256
    assert (body["evidence"], body["size"], body["truncated"], body["changed_since_cited"]) == (
        evidence.pk,
        len("Second version.\n"),
        False,
        True,
    )
    assert body["page"] == f"http://testserver/evidence/{evidence.pk}/archive/"
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No archived copy of this evidence yet."


def test_the_api_filters_evidence_by_link_status_and_refuses_an_unknown_one() -> None:
    from rest_framework.test import APIClient

    dead = EvidenceFactory.create()
    checked(dead, LinkStatus.BROKEN)
    fine = EvidenceFactory.create()
    checked(fine, LinkStatus.OK)
    never = EvidenceFactory.create()
    client = APIClient()

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/evidence/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("link_status=broken") == {dead.pk}
    assert ids("link_status=unchecked") == {never.pk}
    assert ids("link_status=ok,broken") == {dead.pk, fine.pk}
    refused = client.get("/api/v1/evidence/?link_status=dead")
    assert refused.status_code == 400
    assert "Unknown link status 'dead'" in refused.json()["link_status"][0]


def test_the_public_page_flags_a_dead_link_with_its_archived_copy_and_a_changed_page() -> None:
    from django.test import Client

    from tests.page_helpers import assert_valid_html

    commitment = CommitmentFactory.create()
    dead = EvidenceFactory.create(commitment=commitment, title="Dead source")
    checked(dead, LinkStatus.BROKEN, checked_at=datetime.datetime(2026, 3, 4, 12, tzinfo=datetime.UTC))
    archived(dead)
    changed = EvidenceFactory.create(commitment=commitment, title="Changed source")
    checked(changed, LinkStatus.OK, changed_since_cited=True)
    fine = EvidenceFactory.create(commitment=commitment, title="Fine source")
    checked(fine, LinkStatus.OK)

    page = Client().get(commitment.get_absolute_url()).content.decode()

    assert_valid_html(page)
    item = page[page.index(f'id="evidence-{dead.pk}"') :]
    item = item[: item.index("</li>")]
    assert 'link broken, checked <time datetime="2026-03-04T12:00:00+00:00">4 March 2026</time>' in item
    assert f'<a href="/evidence/{dead.pk}/archive/">archived copy</a>' in item
    other = page[page.index(f'id="evidence-{changed.pk}"') :]
    assert "page changed since cited" in other[: other.index("</li>")]
    fine_item = page[page.index(f'id="evidence-{fine.pk}"') :]
    assert "link-health" not in fine_item[: fine_item.index("</li>")]


def test_the_archived_copy_page_shows_the_text_escaped() -> None:
    from django.test import Client

    from tests.page_helpers import assert_valid_html

    evidence = EvidenceFactory.create(title="Launch <b>report</b>")
    checked(evidence, LinkStatus.BROKEN)
    archived(evidence, "<script>alert(1)</script> Samples & results\n")

    response = Client().get(f"/evidence/{evidence.pk}/archive/")
    page = response.content.decode()

    assert response.status_code == 200
    assert_valid_html(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Samples &amp; results" in page
    assert "<script>alert(1)" not in page
    assert "Broken, checked" in page
    assert Client().get(f"/evidence/{EvidenceFactory.create().pk}/archive/").status_code == 404


def test_the_evidence_admin_shows_link_health_and_filters_dead_links(lead: Any) -> None:
    from django.test import Client

    lead.is_superuser = True
    lead.save()
    client = Client()
    client.force_login(lead)
    dead = EvidenceFactory.create(title="Dead source")
    checked(dead, LinkStatus.BROKEN, failure_count=3, error="HTTP 404", final_url=dead.url)
    archived(dead)
    EvidenceFactory.create(title="Fine source")

    listing = client.get("/admin/commitments/evidence/?link=broken").content.decode()
    change = client.get(f"/admin/commitments/evidence/{dead.pk}/change/").content.decode()

    assert "Dead source" in listing
    assert "Fine source" not in listing
    assert "link broken" in listing
    assert "Dead (broken link)" in listing  # the filter
    assert "3 (last: HTTP 404)" in change
    assert f'href="/evidence/{dead.pk}/archive/">archived copy</a>' in change


def test_the_commitment_admin_page_flags_its_dead_evidence(lead: Any) -> None:
    from django.test import Client

    client = Client()
    client.force_login(lead)
    commitment = CommitmentFactory.create()
    dead = EvidenceFactory.create(commitment=commitment, title="Dead source")
    checked(dead, LinkStatus.BROKEN, error="timed out after 10 s")

    page = client.get(f"/admin/commitments/commitment/{commitment.pk}/change/").content.decode()

    assert '<strong class="dead-link" title="timed out after 10 s">link broken</strong>' in page


def test_the_owners_digest_lists_dead_evidence_links_on_their_commitments(analyst: Any) -> None:
    from django.core import mail

    from commitments import reminders
    from tests.reminder_helpers import DAY, make_stale

    (stale,) = make_stale(analyst, 1, days=45)
    other = CommitmentFactory.create(owner=analyst, document=stale.document, reference="DOC-I-900")
    dead = EvidenceFactory.create(commitment=other, title="Dead source", url="https://gone.example.org/a")
    checked(dead, LinkStatus.BROKEN, checked_at=datetime.datetime(2025, 3, 30, tzinfo=datetime.UTC))
    fine = EvidenceFactory.create(commitment=stale, title="Fine source")
    checked(fine, LinkStatus.OK)

    reminders.send_digests(day=DAY)

    (message,) = mail.outbox
    assert "DEAD EVIDENCE LINKS (1)" in message.body
    assert (
        "DOC-I-900 - Dead source\n  https://gone.example.org/a (link broken, checked 2025-03-30)"
        in message.body
    )
    assert "Fine source" not in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]  # an EmailMultiAlternatives (reminders.build_message)
    assert "Dead evidence links (1)" in html
    assert "link broken, checked 2025-03-30" in html


def test_an_owner_with_dead_links_and_nothing_stale_still_gets_a_digest(analyst: Any) -> None:
    from django.core import mail

    from commitments import reminders
    from tests.reminder_helpers import DAY

    fresh = CommitmentFactory.create(owner=analyst, reference="DOC-I-901")  # added after DAY: not stale
    dead = EvidenceFactory.create(commitment=fresh, title="Dead source", url="https://gone.example.org/b")
    checked(dead, LinkStatus.BROKEN)

    reminders.send_digests(day=DAY)
    reminders.send_digests(day=DAY)  # once a day, as any digest

    (message,) = mail.outbox
    assert analyst.email in message.to[0]
    assert message.subject.endswith("1 dead evidence link on your commitments")
    assert "None of your commitments is due for a review" in message.body
    assert "DOC-I-901 - Dead source" in message.body
