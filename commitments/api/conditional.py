"""ETags and If-Match: lost-update protection for API writes (NetBox's contract, made strict)."""

from __future__ import annotations

import re

from rest_framework.exceptions import APIException
from rest_framework.request import Request

from commitments.api.exceptions import PreconditionRequired
from commitments.models import Commitment

# Strong ETag, quoted: "commitment-<id>-v<version>". Weak forms are accepted on If-Match input
# because some clients add W/ when echoing; the version inside is what is compared.
_ETAG = re.compile(r'^(?:W/)?"commitment-(\d{1,19})-v(\d{1,10})"$')


def commitment_etag(commitment: Commitment) -> str:
    return version_etag(commitment.pk, commitment.version)


def version_etag(pk: int, version: int) -> str:
    """The ETag of commitment `pk` at `version`: strong, it names the representation's version."""
    return f'"commitment-{pk}-v{version}"'


class StaleVersion(APIException):
    status_code = 412
    default_detail = "The commitment changed since you read it; GET it again and reapply your change."
    default_code = "precondition_failed"


def expected_version(request: Request, commitment: Commitment) -> int:
    """The version of `commitment` the client based its write on, read from If-Match.

    428 without one; 412 when no tag names this commitment. Whether that version is still current
    is the service's question (services.check_version), asked again under the row lock.
    """
    header = request.headers.get("If-Match", "").strip()
    tags = [_ETAG.match(part.strip()) for part in header.split(",")] if header else []
    if not tags or not all(tags):
        # Missing, "*" or not an ETag of ours: there is no version to check against.
        raise PreconditionRequired()
    for found in tags:
        if found and int(found[1]) == commitment.pk:
            return int(found[2])
    raise StaleVersion()
