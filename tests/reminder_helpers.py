"""Shared by the reminder tests: stale commitments made to measure, mail backends that fail or
dawdle on purpose, and a reader for the file-based backend's output."""

from __future__ import annotations

import datetime
import email
import email.utils
import os
import smtplib
import time
from collections.abc import Sequence
from email.message import Message
from pathlib import Path
from typing import Any, ClassVar

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db.models import Max

from commitments.choices import Status
from commitments.models import Commitment, Document
from tests.factories import DOCUMENT_TEXT, DocumentFactory, reviewed_into

# A fixed day that is not today, so that runs act "as of" DAY at the scheduled time (07:00).
DAY = datetime.date(2025, 3, 31)


def at_send_time(day: datetime.date = DAY) -> datetime.datetime:
    from commitments.reminders import acting_moment

    return acting_moment(day)[1]


def make_stale(
    owner: Any,
    count: int = 1,
    *,
    days: int = 45,
    status: str = Status.UNASSESSED,
    reviewed: bool = False,
    document: Document | None = None,
    day: datetime.date = DAY,
) -> list[Commitment]:
    """`count` commitments whose last review (or creation) was `days` before the send time on `day`.

    Unassessed commitments are stale after 30 days and escalated after 60 (the defaults).
    Bulk-created, so that the query-count tests can make hundreds quickly.
    """
    document = document or DocumentFactory.create()
    moment = at_send_time(day) - datetime.timedelta(days=days)
    start = (Commitment.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    offset = DOCUMENT_TEXT.index("In the next")
    made = Commitment.objects.bulk_create(
        Commitment(
            document=document,
            reference=f"{document.reference_prefix}-{start + i:05d}-{days}d",
            text=f"The country will do thing number {start + i}.",
            start_offset=offset,
            end_offset=offset + 10,
            owner=owner,
            status=status,
            created_at=moment if not reviewed else moment - datetime.timedelta(days=400),
            last_reviewed_at=moment if reviewed else None,
        )
        for i in range(count)
    )
    reviewed_into(made, status, at=moment)
    return made


class FlakyBackend(LocmemBackend):
    """locmem (mail.outbox) that fails the next `failures` sends like a mail server going away."""

    failures: ClassVar[int] = 0
    refuse: ClassVar[set[str]] = set()
    attempts: ClassVar[int] = 0

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        FlakyBackend.attempts += 1
        for message in email_messages:
            refused = {
                entry: (550, b"No such user") for entry in message.to if addresses(entry)[0] in self.refuse
            }
            if refused:
                raise smtplib.SMTPRecipientsRefused(refused)
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(email_messages)


class SlowFileBackend(FileBackend):
    """The file-based backend, slowed down like an SMTP conversation, for the worker tests.

    Before each message it touches `sending-<n>` in EMAIL_FILE_PATH (so a test can see a send in
    progress) and waits REMINDER_TEST_SEND_DELAY seconds; only then is the message "accepted"
    (written). A kill during that wait is a crash before the mail server accepted the digest.
    REMINDER_TEST_SEND_DELAY_AFTER waits after writing instead: a kill then is a crash after
    acceptance, before the digest is marked sent.
    """

    def send_messages(self, email_messages: Sequence[Any]) -> int:
        folder = Path(str(self.file_path))
        sent = 0
        for message in email_messages:
            (folder / f"sending-{time.monotonic_ns()}-{os.getpid()}").touch()
            time.sleep(float(os.environ.get("REMINDER_TEST_SEND_DELAY", "0")))
            sent += super().send_messages([message]) or 0
            time.sleep(float(os.environ.get("REMINDER_TEST_SEND_DELAY_AFTER", "0")))
        return sent


MESSAGE_SEPARATOR = "\n" + "-" * 79 + "\n"


def read_mail_folder(folder: Path) -> list[Message]:
    """Every message the file-based backend wrote into `folder` (it separates them with a rule)."""
    messages = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split(MESSAGE_SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_string(chunk.lstrip("\n")))
    return messages


def addresses(header: str | None) -> list[str]:
    return [address for _name, address in email.utils.getaddresses([header or ""])]
