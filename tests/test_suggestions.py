"""Evidence suggested by the public (issue 17): a visitor's form on each commitment page files a pending
suggestion (rate-limited per client, a honeypot for robots, http(s) links only, one per link while it
waits); analysts accept it as evidence or reject it with a reason in the admin, once; the submitter is
told by e-mail; nothing a visitor sent shows on a page, feed or API before it is accepted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from commitments import services
from commitments.choices import SuggestionState
from commitments.forms import NOT_A_WEB_LINK
from commitments.models import Evidence, EvidenceSuggestion
from commitments.views import SUGGESTION_THANKS
from tests.api_helpers import user_in
from tests.factories import CommitmentFactory, EvidenceSuggestionFactory

pytestmark = pytest.mark.django_db

LINK = "https://www.example.org/news/chang-e-7-lands"


def suggest(client: Client, reference: str, **fields: str) -> Any:
    data = {"url": LINK, "note": "It reports the landing near the south pole.", "email": "", **fields}
    return client.post(reverse("pages:suggest-evidence", args=[reference]), data)


def public_surfaces(client: Client, reference: str) -> str:
    """Everything public that could show a commitment's evidence: its page, its API detail, the evidence
    list of the API, the feed of its changes."""
    return "".join(
        client.get(url).content.decode()
        for url in (
            reverse("pages:commitment", args=[reference]),
            reverse("api:commitment-detail", args=[reference]),
            "/api/v1/evidence/",
            reverse("pages:feed-changes") + f"?commitment={reference}",
        )
    )


@pytest.fixture
def analyst_client(analyst: User) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


def decide(client: Client, suggestion: EvidenceSuggestion, **fields: str) -> Any:
    data = {"kind": "news_report", "signal": "progress", "title": "", "excerpt": suggestion.note, **fields}
    return client.post(reverse("admin:commitments_evidencesuggestion_change", args=[suggestion.pk]), data)


# --- the visitor's form ---------------------------------------------------------------------------


def test_a_suggestion_is_filed_pending_and_shown_nowhere_public() -> None:
    commitment = CommitmentFactory.create()
    client = Client()

    response = suggest(client, commitment.reference, email="reader@example.net")

    assert response.status_code == 302
    assert response["Location"] == commitment.get_absolute_url() + "#suggest-heading"
    suggestion = EvidenceSuggestion.objects.get()
    assert (suggestion.commitment, suggestion.url, suggestion.state, suggestion.email) == (
        commitment,
        LINK,
        SuggestionState.PENDING,
        "reader@example.net",
    )
    page = client.get(response["Location"]).content.decode()
    assert SUGGESTION_THANKS in page
    assert LINK not in public_surfaces(client, commitment.reference)
    assert "landing near the south pole" not in public_surfaces(client, commitment.reference)


def test_the_page_carries_the_form_with_a_csrf_token_and_a_trap_hidden_from_people() -> None:
    commitment = CommitmentFactory.create()

    page = Client().get(commitment.get_absolute_url()).content.decode()

    assert f'action="{reverse("pages:suggest-evidence", args=[commitment.reference])}"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<div class="suggest-trap" aria-hidden="true">' in page
    trap = page[page.index('<div class="suggest-trap"') :]
    assert '<input type="text" name="homepage"' in trap
    assert 'tabindex="-1"' in trap
    assert 'autocomplete="off"' in trap


def test_a_post_without_the_csrf_token_is_refused() -> None:
    commitment = CommitmentFactory.create()

    response = suggest(Client(enforce_csrf_checks=True), commitment.reference)

    assert response.status_code == 403
    assert not EvidenceSuggestion.objects.exists()


def test_the_suggest_address_answers_posts_only_and_knows_its_commitments() -> None:
    commitment = CommitmentFactory.create()
    client = Client()

    assert client.get(reverse("pages:suggest-evidence", args=[commitment.reference])).status_code == 405
    assert suggest(client, "NO-SUCH-01").status_code == 404


def test_a_filled_honeypot_is_thanked_and_stores_nothing() -> None:
    commitment = CommitmentFactory.create()
    client = Client()

    response = suggest(client, commitment.reference, homepage="https://spam.example.com/")

    assert response.status_code == 302
    assert SUGGESTION_THANKS in client.get(response["Location"]).content.decode()
    assert not EvidenceSuggestion.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example.org/report.pdf",
        "not a link",
    ],
)
def test_only_web_links_are_accepted(url: str) -> None:
    commitment = CommitmentFactory.create()

    response = suggest(Client(), commitment.reference, url=url)

    assert response.status_code == 400
    assert NOT_A_WEB_LINK in response.content.decode()
    assert not EvidenceSuggestion.objects.exists()


def test_a_link_typed_without_its_scheme_is_taken_as_https() -> None:
    commitment = CommitmentFactory.create()

    suggest(Client(), commitment.reference, url="www.example.org/report")

    assert EvidenceSuggestion.objects.get().url == "https://www.example.org/report"


@pytest.mark.parametrize(("note", "error"), [("", "This field is required."), ("x" * 2001, "at most 2000")])
def test_what_it_shows_is_required_and_at_most_2000_characters(note: str, error: str) -> None:
    commitment = CommitmentFactory.create()

    response = suggest(Client(), commitment.reference, note=note)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert not EvidenceSuggestion.objects.exists()


def test_a_malformed_email_is_refused_on_its_field() -> None:
    commitment = CommitmentFactory.create()

    response = suggest(Client(), commitment.reference, email="not-an-address")

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert not EvidenceSuggestion.objects.exists()


def test_the_same_link_waiting_for_the_same_commitment_is_stored_once() -> None:
    commitment, other = CommitmentFactory.create_batch(2)
    client = Client()

    suggest(client, commitment.reference)
    again = suggest(client, commitment.reference, note="Said differently.")

    assert services.SUGGESTION_WAITING in client.get(again["Location"]).content.decode()
    assert EvidenceSuggestion.objects.filter(commitment=commitment).count() == 1
    suggest(client, other.reference)  # the same link for another commitment is another suggestion
    assert EvidenceSuggestion.objects.filter(commitment=other).count() == 1


def test_suggestions_are_limited_per_client_whatever_x_forwarded_for_says(settings: Any) -> None:
    settings.TRACKER_SUGGESTION_LIMIT = 2
    commitment = CommitmentFactory.create()
    client = Client(REMOTE_ADDR="198.51.100.7")

    for n in range(2):
        assert suggest(client, commitment.reference, url=f"{LINK}/{n}").status_code == 302
    refused = [
        suggest(client, commitment.reference, url=f"{LINK}/x{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(3)
    ]

    assert [response.status_code for response in refused] == [429, 429, 429]
    assert "Too many suggestions" in refused[0].content.decode()
    assert "nothing was stored" in refused[0].content.decode()
    assert refused[0]["Retry-After"] == "3600"
    assert EvidenceSuggestion.objects.count() == 2
    # Another client is not held back by this one.
    assert suggest(Client(REMOTE_ADDR="198.51.100.8"), commitment.reference).status_code == 302


def test_with_the_counter_unreachable_suggestions_are_still_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    class Unreachable:
        def add(self, *args: Any, **kwargs: Any) -> bool:
            raise ConnectionError("Redis is away")

    monkeypatch.setattr("commitments.lockout.caches", {"throttle": Unreachable()})
    commitment = CommitmentFactory.create()

    assert suggest(Client(), commitment.reference).status_code == 302
    assert EvidenceSuggestion.objects.count() == 1


# --- the analysts' decisions ------------------------------------------------------------------------


def test_accepting_makes_evidence_that_shows_on_the_public_page(
    analyst_client: Client, analyst: User, django_capture_on_commit_callbacks: Any
) -> None:
    suggestion = EvidenceSuggestionFactory.create(url=LINK, note="It reports the landing.")
    reference = suggestion.commitment.reference
    version = suggestion.commitment.version

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(
            analyst_client,
            suggestion,
            decision="accept",
            title="Chang'e-7 lands near the south pole",
            kind="mission_record",
            publisher="Xinhua",
        )

    assert response.status_code == 302
    suggestion.refresh_from_db()
    evidence = Evidence.objects.get()
    assert suggestion.state == SuggestionState.ACCEPTED
    assert (suggestion.evidence, suggestion.decided_by) == (evidence, analyst)
    assert suggestion.decided_at is not None
    assert (evidence.url, evidence.title, evidence.kind, evidence.excerpt, evidence.added_by) == (
        LINK,
        "Chang'e-7 lands near the south pole",
        "mission_record",
        "It reports the landing.",
        analyst,
    )
    assert evidence.commitment.version == version + 1  # the API's ETag moves: its evidence changed
    shown = public_surfaces(Client(), reference)
    assert "Chang&#x27;e-7 lands near the south pole" in shown  # the page (escaped)
    assert "Chang'e-7 lands near the south pole" in shown  # the API
    assert LINK in shown


def test_evidence_accepted_without_a_title_is_named_by_its_links_host_and_path(analyst: User) -> None:
    suggestion = EvidenceSuggestionFactory.create(url="https://www.example.org/news/2026/landing/")

    evidence = services.accept_suggestion(suggestion=suggestion, actor=analyst)

    assert evidence.title == "www.example.org/news/2026/landing"
    assert (evidence.kind, evidence.signal) == ("news_report", "progress")


def test_rejecting_needs_a_reason_and_the_link_never_shows(analyst_client: Client) -> None:
    suggestion = EvidenceSuggestionFactory.create(url=LINK)

    no_reason = decide(analyst_client, suggestion, decision="reject", reason="  ")
    assert no_reason.status_code == 200
    assert services.REJECTION_REASON_REQUIRED in no_reason.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.PENDING

    response = decide(analyst_client, suggestion, decision="reject", reason="The page does not mention it.")

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert (suggestion.state, suggestion.rejection_reason) == (
        SuggestionState.REJECTED,
        "The page does not mention it.",
    )
    assert not Evidence.objects.exists()
    assert LINK not in public_surfaces(Client(), suggestion.commitment.reference)


def test_a_decision_must_be_chosen(analyst_client: Client) -> None:
    suggestion = EvidenceSuggestionFactory.create()

    response = decide(analyst_client, suggestion)

    assert response.status_code == 200
    assert "Choose whether to accept" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.PENDING


def test_the_submitter_is_told_of_an_acceptance_with_the_pages_link(
    analyst_client: Client, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.TRACKER_BASE_URL = "https://tracker.example.org"
    suggestion = EvidenceSuggestionFactory.create(url=LINK, email="reader@example.net")

    with django_capture_on_commit_callbacks(execute=True):
        decide(analyst_client, suggestion, decision="accept", title="Landing report")

    [message] = mail.outbox
    evidence = Evidence.objects.get()
    assert message.to == ["reader@example.net"]
    assert "accepted" in message.subject
    assert LINK in message.body
    page = f"https://tracker.example.org{suggestion.commitment.get_absolute_url()}#evidence-{evidence.pk}"
    assert page in message.body


def test_the_submitter_is_told_of_a_rejection_with_its_reason(
    analyst_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    suggestion = EvidenceSuggestionFactory.create(url=LINK, email="reader@example.net")

    with django_capture_on_commit_callbacks(execute=True):
        decide(analyst_client, suggestion, decision="reject", reason="A forum post, not a source.")

    [message] = mail.outbox
    assert message.to == ["reader@example.net"]
    assert "not accepted" in message.subject
    assert "A forum post, not a source." in message.body


def test_no_one_is_written_to_when_no_email_was_left(
    analyst: User, django_capture_on_commit_callbacks: Any
) -> None:
    suggestion = EvidenceSuggestionFactory.create(email="")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.reject_suggestion(suggestion=suggestion, actor=analyst, reason="Off topic.")

    assert callbacks == []
    assert mail.outbox == []


def test_the_email_is_sent_only_after_the_decision_commits(analyst: User) -> None:
    suggestion = EvidenceSuggestionFactory.create(email="reader@example.net")

    services.reject_suggestion(suggestion=suggestion, actor=analyst, reason="Off topic.")

    assert mail.outbox == []  # the test's transaction has not committed


def test_a_decided_suggestion_cannot_be_decided_again(analyst_client: Client, analyst: User) -> None:
    suggestion = EvidenceSuggestionFactory.create()
    services.reject_suggestion(suggestion=suggestion, actor=analyst, reason="Off topic.")

    with pytest.raises(ValidationError) as refused:
        services.accept_suggestion(suggestion=suggestion.pk, actor=analyst, title="Late")
    assert refused.value.code == "already_decided"
    assert "already rejected by ana" in refused.value.messages[0]

    response = decide(analyst_client, suggestion, decision="accept", title="Late")
    assert response.status_code == 200
    assert "already rejected by ana" in response.content.decode()
    assert not Evidence.objects.exists()


def test_the_queue_lists_the_waiting_first_with_links_that_open_safely(
    analyst_client: Client, analyst: User
) -> None:
    decided = EvidenceSuggestionFactory.create(url="https://old.example.org/decided")
    services.reject_suggestion(suggestion=decided, actor=analyst, reason="Off topic.")
    waiting = EvidenceSuggestionFactory.create(url="https://new.example.org/waiting")

    page = analyst_client.get(reverse("admin:commitments_evidencesuggestion_changelist")).content.decode()

    assert "(1 waiting)" in page
    assert page.index(waiting.url) < page.index(decided.url)
    assert f'<a href="{waiting.url}" rel="noopener noreferrer" target="_blank">' in page
    pending_only = analyst_client.get(
        reverse("admin:commitments_evidencesuggestion_changelist") + "?state__exact=pending"
    ).content.decode()
    assert waiting.url in pending_only
    assert decided.url not in pending_only
    by_reference = analyst_client.get(
        reverse("admin:commitments_evidencesuggestion_changelist") + f"?q={waiting.commitment.reference}"
    ).content.decode()
    assert waiting.url in by_reference
    assert decided.url not in by_reference


def test_the_admin_index_says_how_many_suggestions_wait(analyst_client: Client) -> None:
    EvidenceSuggestionFactory.create_batch(2)

    page = analyst_client.get(reverse("admin:index")).content.decode()

    assert "2 suggestions waiting for a decision" in page


def test_analysts_and_leads_triage_and_no_one_else(make_user: Callable[..., User]) -> None:
    suggestion = EvidenceSuggestionFactory.create()
    url = reverse("admin:commitments_evidencesuggestion_change", args=[suggestion.pk])
    for groups, allowed in ((("analyst",), True), (("lead",), True), ((), False)):
        client = Client()
        client.force_login(make_user(*groups))
        assert (client.get(url).status_code == 200) is allowed, groups


def test_then_start_a_review_opens_the_review_form_with_the_evidence_ticked(analyst_client: Client) -> None:
    suggestion = EvidenceSuggestionFactory.create()

    response = decide(analyst_client, suggestion, decision="accept", title="Landing", start_review="on")

    evidence = Evidence.objects.get()
    change = reverse("admin:commitments_commitment_change", args=[suggestion.commitment_id])
    assert response["Location"] == f"{change}?cite={evidence.pk}#id_new_status"
    form = analyst_client.get(response["Location"]).content.decode()
    assert f'value="{evidence.pk}" id="id_cited_evidence_0" checked' in form


# --- two analysts at once (PostgreSQL: real row locks) -------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_analysts_deciding_one_suggestion_at_once_one_wins() -> None:
    suggestion = EvidenceSuggestionFactory.create(email="")
    first, second = user_in("analyst", username="first"), user_in("analyst", username="second")
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide_as(work: Callable[[], Any]) -> None:
        start.wait()
        try:
            work()
            outcomes.append("decided")
        except ValidationError as error:
            outcomes.append(str(error.code))
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=decide_as,
            args=(lambda: services.accept_suggestion(suggestion=suggestion.pk, actor=first, title="A"),),
        ),
        threading.Thread(
            target=decide_as,
            args=(lambda: services.reject_suggestion(suggestion=suggestion.pk, actor=second, reason="No."),),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == ["already_decided", "decided"]
    suggestion.refresh_from_db()
    accepted = suggestion.state == SuggestionState.ACCEPTED
    assert Evidence.objects.count() == (1 if accepted else 0)
    assert suggestion.decided_by == (first if accepted else second)
