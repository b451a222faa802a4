"""Thin API views: they parse, check permissions and preconditions, and call services/reports."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView
from rest_framework.views import APIView

from commitments import exports, reports, services
from commitments.api import serializers as api
from commitments.api.conditional import StaleVersion, commitment_etag, expected_version, version_etag
from commitments.api.renderers import BrowsableAPIRenderer, CSVRenderer
from commitments.display import acting_user, method_in_force
from commitments.exceptions import ConcurrentEditError
from commitments.filters import CommitmentFilterSet, EvidenceFilterSet, ReviewFilterSet
from commitments.models import Commitment, Document, Evidence, Review, Sector
from commitments.querysets import CommitmentQuerySet, embed_limit

ERROR = inline_serializer("Error", fields={"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "Messages keyed by field name (`non_field_errors` for the rest); each value is a list "
        "of messages, or for list fields an object of them keyed by item position.",
    },
    description="The request was refused; nothing was written.",
)
PRECONDITION_FAILED = OpenApiResponse(
    inline_serializer(
        "PreconditionFailed",
        fields={
            "detail": serializers.CharField(),
            "current": api.CommitmentVersionSerializer(
                help_text="The commitment as it is now: its version and ETag, status, who changed it last "
                "and when, and its URL (GET it for the whole representation)."
            ),
        },
    ),
    description="If-Match did not match: someone changed the commitment since. The body says which version "
    "it is at now and where to read it; the ETag header carries its current ETag.",
)
CITED_EVIDENCE = OpenApiResponse(
    ERROR, description="A review cites this evidence: it is part of the record. Add new evidence instead."
)
NOT_ACCEPTABLE = OpenApiResponse(
    ERROR,
    description="The format (`?format=` or Accept) is not one this endpoint offers; the message lists them.",
)
READ_ERRORS = {400: FIELD_ERRORS, 401: ERROR, 403: ERROR, 404: ERROR, 406: NOT_ACCEPTABLE, 429: ERROR}
WRITE_ERRORS = {**READ_ERRORS, 405: ERROR}
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(W/)?"commitment-[0-9]{1,19}-v[0-9]{1,10}"$'},
    OpenApiParameter.HEADER,
    required=True,
    description='The commitment\'s ETag from a GET, e.g. "commitment-12-v3". Missing → 428; stale → 412.',
)
FORMAT_CSV = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="`json` (the default) or `csv`: the whole result as a CSV file, streamed, not paged. "
    "Any other format is 406 Not Acceptable.",
)
BOM = OpenApiParameter(
    "bom",
    OpenApiTypes.STR,
    enum=["0", "1"],
    description="With `format=csv`: `1` starts the file with a UTF-8 byte-order mark, so that Excel on "
    "Windows reads accented and non-Latin text correctly; `0` (the default) leaves it out.",
)
CSV_BODY = OpenApiResponse(
    OpenApiTypes.STR,
    description="CSV in UTF-8, spreadsheet-safe: a cell that a spreadsheet would run as a formula starts "
    "with an apostrophe.",
)


class MethodBeforePermission:
    """405 for a method the route does not offer, before authentication and permissions are checked:
    PUT on evidence is not allowed for anyone, so a visitor should hear that, not 401 or 403."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = request.method.lower() if request.method else ""
        if method not in cast(APIView, self).http_method_names or not hasattr(self, method):
            raise MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


def path_parameter(name: str, kind: OpenApiTypes, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.PATH, description=description)


COMMITMENT_ID = path_parameter(
    "id", OpenApiTypes.STR, "The commitment's id or reference, e.g. 12 or CSP2021-II.4-03."
)


def non_blank(params: Any) -> Any:
    """Query parameters as given, refusing `?name=` (an empty value is a mistake, not "no filter")."""
    blank = sorted(name for name, values in params.lists() if any(value == "" for value in values))
    if blank:
        raise serializers.ValidationError(
            {name: ["Must not be empty: leave the parameter out."] for name in blank}
        )
    return params


def wants_csv(request: Request) -> bool:
    return getattr(request.accepted_renderer, "format", None) == "csv"


def wants_bom(request: Request) -> bool:
    """`?bom=1`: start a CSV with a byte-order mark for Excel; `0` or absent: without one."""
    value = request.query_params.get("bom", "0")
    if value not in {"0", "1"}:
        raise serializers.ValidationError(
            {"bom": ["1 (a byte-order mark for Excel) or 0 (none, the default)."]}
        )
    return value == "1"


def conditional(request: Request, etag: str, last_modified: datetime.datetime | None) -> HttpResponse | None:
    """304 when the client's copy is current (If-None-Match / If-Modified-Since)."""
    stamp = int(last_modified.timestamp()) if last_modified else None
    return get_conditional_response(request._request, etag=etag, last_modified=stamp)


def with_validators(
    response: Response | HttpResponse, etag: str, last_modified: datetime.datetime | None
) -> Any:
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List and filter commitments",
        description="Every commitment with its sectors, status, owner, evidence count and latest review, "
        "50 to a page. Filter by document, sector, section, status, owner, priority, staleness, being "
        "overdue (past the target date, not final), dates and keywords; a value that names nothing (an "
        "unknown sector, say) is a 400 that says what the parameter accepts. `format=csv` streams the "
        "whole filtered set as one CSV file (add `bom=1` for Excel); `mode=cursor` pages through everything "
        "at constant cost.",
        parameters=[FORMAT_CSV, BOM],
        responses={
            (200, "application/json"): api.CommitmentSerializer(many=True),
            (200, "text/csv"): CSV_BODY,
            **READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="One commitment with its latest evidence and reviews",
        description="By id or reference. It embeds its latest reviews and evidence (at most "
        f"{embed_limit()} of each, so the answer stays small however long the history), how many there are "
        "in all (`review_count`, `evidence_count`) and where to page through all of them (`reviews_url`, "
        "`evidence_url`). The answer carries an ETag and Last-Modified: send them back as If-None-Match or "
        "If-Modified-Since to get 304 Not Modified when nothing changed, and the ETag as If-Match to change "
        "the commitment or record a review.",
        parameters=[COMMITMENT_ID],
        responses={200: api.CommitmentDetailSerializer, 304: None, **READ_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change owner, priority, target date or sectors (leads)",
        description="Send only the fields to change, with If-Match set to the ETag of your last GET. "
        "Without If-Match the answer is 428; if someone changed the commitment since, 412 with its current "
        "version and ETag in the body. The status changes only by recording a review.",
        parameters=[IF_MATCH, COMMITMENT_ID],
        request=api.CommitmentUpdateSerializer,
        responses={200: api.CommitmentDetailSerializer, 412: PRECONDITION_FAILED, 428: ERROR, **WRITE_ERRORS},
    ),
)
class CommitmentViewSet(
    MethodBeforePermission, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = api.CommitmentSerializer
    filterset_class = CommitmentFilterSet
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "patch", "post", "head", "options"]
    write_permissions = {
        "partial_update": ("commitments.change_commitment", "commitments.assign_commitment"),
        "reviews": ("commitments.add_review",),
    }

    def get_queryset(self) -> QuerySet[Commitment]:
        if self.action in {"retrieve", "partial_update", "reviews"}:
            # A detail is read as values (_detail); a write needs the commitment alone; a history is
            # paged from its own query, and a new review answers with the review alone.
            return Commitment.objects.all()
        return Commitment.objects.for_api()

    def get_renderers(self) -> list[Any]:
        renderers = super().get_renderers()
        # CSV only where the data is flat: a detail nests evidence and a history, which no row can hold.
        # (No action: a method the view does not offer, which must get its 405, not a 406.)
        if self.action not in {"list", None}:
            renderers = [renderer for renderer in renderers if not isinstance(renderer, CSVRenderer)]
        return renderers

    def _lookup(self) -> Q:
        value = str(self.kwargs["pk"])
        lookup = Q(reference=value)
        if value.isdigit() and len(value) < 19:
            lookup |= Q(pk=int(value))
        return lookup

    def get_object(self) -> Commitment:
        commitment = get_object_or_404(self.get_queryset(), self._lookup())
        self.check_object_permissions(self.request, commitment)
        return commitment

    def _detail(self, lookup: str, *, answer_not_modified: bool = False) -> Any:
        # Read as values (CommitmentQuerySet.detail_row: one statement on PostgreSQL), never as the
        # model instances of the commitment, its document, section, owner, sectors, evidence and reviews.
        row = Commitment.objects.all().detail_row(lookup)
        if row is None:
            raise NotFound
        etag = version_etag(row["id"], row["version"])
        if answer_not_modified and (not_modified := conditional(self.request, etag, row["updated_at"])):
            return not_modified
        data = api.detail_item(row, self.get_serializer_context())
        return with_validators(Response(data), etag, row["updated_at"])

    def handle_exception(self, exc: Exception) -> Response:
        # The one place a stale If-Match becomes 412: found early by the view or under the row lock
        # by the service (services.check_version), the answer says which version is current.
        if isinstance(exc, StaleVersion | ConcurrentEditError):
            return self._stale()
        return super().handle_exception(exc)

    def _stale(self) -> Response:
        # Small whatever the commitment holds: its version, ETag, status, who changed it last and its URL
        # (one query), not its representation, which the client GETs when it is ready to retry.
        current = get_object_or_404(Commitment.objects.select_related("updated_by"), self._lookup())
        body = {
            "detail": StaleVersion.default_detail,
            "current": api.CommitmentVersionSerializer(current, context=self.get_serializer_context()).data,
        }
        return with_validators(Response(body, status=412), commitment_etag(current), current.updated_at)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if wants_csv(request):
            # The export reads its own shape (exports.commitments_csv), filtered and ordered the same way.
            bom = wants_bom(request)
            selected = cast(CommitmentQuerySet, self.filter_queryset(Commitment.objects.all()))
            site = exports.site_of(request)
            return exports.commitments_csv(selected, site=site, filename="commitments.csv", bom=bom)
        wants_bom(request)  # a bad value is a 400 whatever the format
        # The page's ids first, from the filters and the order alone (an index walk), then only those rows
        # with everything a row shows: the latest review, counts and sectors are never computed for the
        # rows an OFFSET skips or a sort passes over.
        # Those rows are read as plain values (list_rows), never as model instances.
        matches = self.filter_queryset(Commitment.objects.all())
        page_ids = [row["id"] for row in self.paginate_queryset(matches.values("id")) or []]
        rows = Commitment.objects.all().list_rows(page_ids)
        links = api.row_links(self.get_serializer_context())
        return self.get_paginated_response([api.list_item(row, links) for row in rows])

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        # Reading is public (ReadPublicWriteWithPermission has no per-object rule), so no instance is
        # loaded for check_object_permissions.
        return self._detail(str(self.kwargs["pk"]), answer_not_modified=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        commitment = self.get_object()
        version = expected_version(request, commitment)
        services.check_version(commitment, version)  # stale: 412 before the body is even read
        changes = api.CommitmentUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        services.update_commitment(
            commitment=commitment,
            actor=acting_user(request),
            expected_version=version,
            **changes.validated_data,
        )
        return self._detail(str(commitment.pk))

    @extend_schema(
        methods=["GET"],
        summary="The commitment's review history, oldest first",
        description="Every review of this commitment, paged, oldest first: who, when, the status before "
        "and after, the rationale, the evidence cited and the method version it was written under. Reviews "
        "are never changed or deleted.",
        parameters=[COMMITMENT_ID],
        responses={200: api.ReviewSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a review: new status, rationale, cited evidence",
        description="Analysts and leads. Needs If-Match with the commitment's ETag (428 without it, 412 if "
        "the commitment changed since). A rationale is required when the status changes, and cited "
        "evidence must belong to this commitment. The answer carries the commitment's new ETag.",
        parameters=[IF_MATCH, COMMITMENT_ID],
        request=api.ReviewCreateSerializer,
        responses={201: api.ReviewSerializer, 412: PRECONDITION_FAILED, 428: ERROR, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=api.ReviewSerializer, filter_backends=[])
    def reviews(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        commitment = self.get_object()
        if request.method == "GET":
            history = Review.objects.for_list().filter(commitment=commitment).order_by("reviewed_at", "pk")
            page = self.paginate_queryset(history)
            return self.get_paginated_response(api.ReviewSerializer(page, many=True).data)
        version = expected_version(request, commitment)
        services.check_version(commitment, version)  # stale: 412 before the body is even read
        proposal = api.ReviewCreateSerializer(data=request.data)
        proposal.is_valid(raise_exception=True)
        outcome = services.save_commitment_edit(
            commitment=commitment,
            actor=acting_user(request),
            expected_version=version,
            review=services.ReviewProposal(
                status=proposal.validated_data["status"],
                rationale=proposal.validated_data["rationale"],
                cited=proposal.validated_data["evidence"],
            ),
        )
        assert outcome.review is not None  # a proposal always records a review (or raises)
        review = Review.objects.for_list().get(pk=outcome.review.pk)
        response = Response(api.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)
        written = outcome.commitment
        return with_validators(response, commitment_etag(written), written.updated_at)


EVIDENCE_ID = path_parameter(
    "id", OpenApiTypes.INT, "The evidence's id, as in a list or a commitment's detail."
)
FROZEN = (
    "Once a review cites a piece of evidence it is part of the record: changing or deleting it answers "
    "409 Conflict and nothing changes. To correct it, add new evidence and cite it in a new review."
)


@extend_schema_view(
    list=extend_schema(
        summary="Evidence, newest first",
        description="The sources collected for commitments; `commitment=<reference>` for one commitment's. "
        "`cited` says whether a review relies on it. " + FROZEN,
        responses={200: api.EvidenceSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One piece of evidence",
        description="A source: its link, title, publisher, date, kind, what it shows and the passage that "
        "supports the assessment. " + FROZEN,
        parameters=[EVIDENCE_ID],
        responses={200: api.EvidenceSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Add evidence to a commitment",
        description="Analysts and leads. The commitment is given by reference and never changes afterwards; "
        "the URL must be http or https.",
        responses={201: api.EvidenceSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Correct evidence that no review cites yet",
        description="Analysts and leads; send only the fields to change. " + FROZEN,
        parameters=[EVIDENCE_ID],
        responses={200: api.EvidenceSerializer, 409: CITED_EVIDENCE, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete evidence that no review cites",
        description="Leads only. " + FROZEN,
        parameters=[EVIDENCE_ID],
        responses={204: None, 409: CITED_EVIDENCE, **WRITE_ERRORS},
    ),
)
class EvidenceViewSet(
    MethodBeforePermission,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    # Evidence a review cites is part of the record: the services refuse to change it (409, FROZEN).

    serializer_class = api.EvidenceSerializer
    filterset_class = EvidenceFilterSet
    lookup_value_regex = "[^/]+"  # a malformed id is the API's JSON 404, not the site's HTML one
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    write_permissions = {
        "create": ("commitments.add_evidence",),
        "partial_update": ("commitments.change_evidence",),
        "destroy": ("commitments.delete_evidence",),
    }

    def get_queryset(self) -> QuerySet[Evidence]:
        return Evidence.objects.for_list().order_by("-created_at", "-pk")

    def perform_create(self, serializer: Any) -> None:
        evidence = Evidence(**serializer.validated_data)
        serializer.instance = services.save_evidence(evidence=evidence, actor=acting_user(self.request))

    def perform_update(self, serializer: Any) -> None:
        evidence = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(evidence, name, value)
        serializer.instance = services.save_evidence(evidence=evidence, actor=acting_user(self.request))

    def perform_destroy(self, instance: Evidence) -> None:
        services.delete_evidence(evidence=instance, actor=acting_user(self.request))

    @extend_schema(
        summary="The latest archived copy of the evidence page's text",
        description="The link checker keeps the page's main text each time it changes (HTML reduced to "
        "text, a PDF's text layer), so the proof outlives the page. 404 while none was kept: the link was "
        "not reached yet, or its content has no text.",
        parameters=[EVIDENCE_ID],
        responses={200: api.EvidenceArchiveSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def archive(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        evidence = self.get_object()
        latest = evidence.archives.order_by("-fetched_at", "-pk").first()
        if latest is None:
            raise NotFound("No archived copy of this evidence yet.")
        latest.evidence = evidence  # its link health is joined already (for_list)
        return Response(api.EvidenceArchiveSerializer(latest, context={"request": request}).data)


@extend_schema_view(
    list=extend_schema(
        summary="The policy documents, newest first",
        description="Each imported document with its publisher, plan period, source and number of "
        "commitments. Its slug is what the `document` filters take.",
        responses={200: api.DocumentSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="A document with its section tree",
        description="The sections nest as in the document, each with its number of commitments; a "
        "section's key is what the commitments' `section` filter takes.",
        parameters=[path_parameter("slug", OpenApiTypes.STR, "The document's slug, e.g. csp2021.")],
        responses={200: api.DocumentDetailSerializer, **READ_ERRORS},
    ),
)
class DocumentViewSet(MethodBeforePermission, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"
    serializer_class = api.DocumentSerializer

    def get_queryset(self) -> QuerySet[Document]:
        queryset = Document.objects.for_list().order_by("-published_on", "title", "pk")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("sections")  # in their document order (Meta.ordering)
        return queryset

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return api.DocumentDetailSerializer if self.action == "retrieve" else api.DocumentSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if self.action == "retrieve" and "slug" in self.kwargs:
            in_document = Commitment.objects.filter(document__slug=self.kwargs["slug"])
            context["section_counts"] = in_document.count_by_section()
        return context


@extend_schema_view(
    list=extend_schema(
        summary="The sector taxonomy (tree)",
        description="Every sector with its parent and children, in display order, not paged. A slug is what "
        "the `sector` filters take; filtering by a parent matches its children too.",
        responses={200: api.SectorSerializer(many=True), **READ_ERRORS},
    )
)
class SectorViewSet(MethodBeforePermission, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = api.SectorSerializer
    pagination_class = None
    queryset = Sector.objects.for_list()


APPEND_ONLY = "Reviews are the record: they are never changed or deleted (PUT, PATCH and DELETE answer 405)."


@extend_schema_view(
    list=extend_schema(
        summary="What changed: reviews, newest first",
        description="Every review across commitments, newest first: filter by day, reviewer, document, "
        "sector, commitment and the status before or after, or keep only the reviews that changed a status. "
        + APPEND_ONLY,
        responses={200: api.ReviewSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One review",
        description="Who reviewed which commitment when, the status before and after, the rationale, "
        "the evidence cited and the method version it was written under. " + APPEND_ONLY,
        parameters=[path_parameter("id", OpenApiTypes.INT, "The review's id, as in the feed or a history.")],
        responses={200: api.ReviewSerializer, **READ_ERRORS},
    ),
)
class ReviewViewSet(MethodBeforePermission, viewsets.ReadOnlyModelViewSet):
    # Append-only (APPEND_ONLY): PUT, PATCH and DELETE answer 405.

    serializer_class = api.ReviewSerializer
    filterset_class = ReviewFilterSet
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "head", "options", "put", "patch", "delete"]

    def get_queryset(self) -> QuerySet[Review]:
        return Review.objects.for_list().order_by("-reviewed_at", "-pk")


def report_etag(request: Request, state: str) -> str:
    digest = hashlib.sha256(f"{state}|{request.get_full_path()}|{timezone.localdate()}".encode()).hexdigest()
    return f'"report-{digest[:32]}"'


@dataclass(frozen=True)
class ReportRequest:
    """A report's validated parameters, the commitments it covers and their fingerprint (ReportView)."""

    params: dict[str, Any]
    commitments: CommitmentQuerySet
    state: str
    etag: str
    last_modified: datetime.datetime | None


class ReportView(MethodBeforePermission, APIView):
    # Shared by the reports: validate the query, select the commitments, fingerprint them. (A comment,
    # not a docstring: drf-spectacular would publish a docstring as the reports' description.)

    query_serializer: type[serializers.Serializer[Any]]

    def begin(self, request: Request) -> ReportRequest:
        query = self.query_serializer(data=non_blank(request.query_params))
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        commitments = reports.select_commitments(document=params.get("document"), sector=params.get("sector"))
        state, last_modified = reports.fingerprint(commitments)
        return ReportRequest(params, commitments, state, report_etag(request, state), last_modified)


class ProgressReportView(ReportView):
    query_serializer = api.ProgressQuerySerializer
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        summary="Progress by sector, section, status, owner or document — now or as of any day",
        description="Per group and overall: the total, the count in each status, the share assessed, "
        "completion ((achieved + ½ × partially achieved) / total), the number stale and the number overdue "
        "(past the target date and not in a final status). Grouped by sector, "
        "each commitment counts once, under its primary sector. With `as_of`, every figure is replayed from "
        "the review history as it stood at the end of that day (overdue: past the target date on that day, "
        "by the status then). `format=csv` gives one row per group and "
        "the overall row last.",
        parameters=[api.ProgressQuerySerializer, FORMAT_CSV, BOM],
        responses={
            (200, "application/json"): api.ProgressReportSerializer,
            (200, "text/csv"): CSV_BODY,
            304: None,
            **READ_ERRORS,
        },
    )
    def get(self, request: Request) -> Any:
        bom = wants_bom(request)
        asked = self.begin(request)
        params, etag, last_modified = asked.params, asked.etag, asked.last_modified
        if not_modified := conditional(request, etag, last_modified):
            return not_modified
        report = reports.remembered(
            "progress",
            asked.state,
            params,
            lambda: reports.progress(
                asked.commitments, group_by=params["group_by"], as_of=params.get("as_of")
            ),
        )
        if wants_csv(request):
            rows = reports.progress_csv_rows(report)
            response: Any = exports.csv_response(
                reports.PROGRESS_CSV_COLUMNS, rows, f"progress-by-{report.group_by}.csv", bom=bom
            )
        else:
            body = {
                "group_by": report.group_by,
                "as_of": report.as_of,
                "rows": report.rows,
                "overall": report.overall,
            }
            response = Response(api.ProgressReportSerializer(body).data)
        return with_validators(response, etag, last_modified)


class TimelineReportView(ReportView):
    query_serializer = api.TimelineQuerySerializer

    @extend_schema(
        summary="Count per status at the end of each month or quarter (burn-up chart)",
        description="For each month or quarter from the document's plan period start (or the first record) "
        "to today, how many commitments were in each status at its end, replayed from the review history.",
        parameters=[api.TimelineQuerySerializer],
        responses={200: api.TimelineSerializer, 304: None, **READ_ERRORS},
    )
    def get(self, request: Request) -> Any:
        asked = self.begin(request)
        params, etag, last_modified = asked.params, asked.etag, asked.last_modified
        if not_modified := conditional(request, etag, last_modified):
            return not_modified
        start = reports.period_start(params["document"]) if params.get("document") else None
        points = reports.remembered(
            "timeline",
            asked.state,
            {**params, "start": start},
            lambda: reports.timeline(asked.commitments, interval=params["interval"], start=start),
        )
        data = api.TimelineSerializer({"interval": params["interval"], "points": points}).data
        return with_validators(Response(data), etag, last_modified)


class ApiRootView(APIRootView):
    """The Commitment Tracker API: every promise of a policy document as a tracked commitment, with its
    evidence, its full review history and progress reports. Reading is public; writing needs an analyst's
    or lead's token. The schema and the documentation are linked below; `method` is the assessment method
    in force (status scale, review intervals), whose version every review records."""

    # Beyond the router's collections: the reports, then where the API describes itself.
    more = {
        "reports/progress": "api:report-progress",
        "reports/timeline": "api:report-timeline",
        "schema": "schema",
        "docs": "api-docs",
    }

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().get(request, *args, **kwargs)
        for key, name in self.more.items():
            response.data[key] = reverse(name, request=request)
        response.data["method"] = method_in_force()
        return response
