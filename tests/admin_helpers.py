"""Driving the admin as a browser would: read a change form, change what a person would, post it."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from commitments.models import Commitment, Evidence
from tests.html_forms import form_data


def admin_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def change_url(commitment: Commitment) -> str:
    return reverse("admin:commitments_commitment_change", args=[commitment.pk])


def current_form(client: Client, commitment: Commitment) -> dict[str, Any]:
    """The commitment's change form as the browser would submit it untouched."""
    response = client.get(change_url(commitment))
    assert response.status_code == 200
    return form_data(response.content.decode(), "commitment_form")


def evidence_row(form: dict[str, Any], evidence: Evidence) -> str:
    """The inline prefix ("evidence-0") of an evidence row in a change form."""
    for name, value in form.items():
        if name.startswith("evidence-") and name.endswith("-id") and value == str(evidence.pk):
            return name.removesuffix("-id")
    raise AssertionError(f"evidence {evidence.pk} is not on the form")


def new_evidence_row(form: dict[str, Any], **fields: str) -> dict[str, Any]:
    """Add one row to the evidence inline (the browser's "Add another evidence")."""
    index = int(form["evidence-TOTAL_FORMS"])
    row = {"kind": "news_report", "signal": "progress", **fields}
    form.update({f"evidence-{index}-{name}": value for name, value in row.items()})
    form[f"evidence-{index}-commitment"] = form.get("evidence-__prefix__-commitment", "")
    form["evidence-TOTAL_FORMS"] = str(index + 1)
    return form
