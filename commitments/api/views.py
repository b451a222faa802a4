"""Thin API views: they parse, check permissions and preconditions, and call services/reports."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

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
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments import exports, reports, services
from commitments.api import serializers as api
from commitments.api.conditional import StaleVersion, commitment_etag, expected_version
from commitments.api.renderers import CSVRenderer
from commitments.display import acting_user
from commitments.exceptions import ConcurrentEditError
from commitments.filters import CommitmentFilterSet, EvidenceFilterSet, ReviewFilterSet
from commitments.models import Commitment, Document, Evidence, Review, Section, Sector
from commitments.querysets import CommitmentQuerySet

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
        fields={"detail": serializers.CharField(), "current": api.CommitmentDetailSerializer()},
    ),
    description="If-Match did not match: the body carries the current representation and its ETag header.",
)
CITED_EVIDENCE = OpenApiResponse(
    ERROR, description="A review cites this evidence: it is part of the record. Add new evidence instead."
)
READ_ERRORS = {400: FIELD_ERRORS, 401: ERROR, 403: ERROR, 404: ERROR, 429: ERROR}
WRITE_ERRORS = {**READ_ERRORS, 405: ERROR}
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": r'^(W/)?"commitment-[0-9]{1,19}-v[0-9]{1,10}"$'},
    OpenApiParameter.HEADER,
    required=True,
    description='The commitment\'s ETag from a GET, e.g. "commitment-12-v3". Missing → 428; stale → 412.',
)
FORMAT_CSV = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv` streams the whole result as CSV."
)
CSV_BODY = OpenApiResponse(OpenApiTypes.STR, description="CSV, spreadsheet-safe (formula cells neutralised).")


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
        parameters=[FORMAT_CSV],
        responses={
            (200, "application/json"): api.CommitmentSerializer(many=True),
            (200, "text/csv"): CSV_BODY,
            **READ_ERRORS,
        },
    ),
    retrieve=extend_schema(
        summary="One commitment with its evidence and full review history",
        parameters=[
            OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Id or reference.")
        ],
        responses={200: api.CommitmentDetailSerializer, 304: None, **READ_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change owner, priority, target date or sectors (leads)",
        parameters=[IF_MATCH, OpenApiParameter("id", OpenApiTypes.STR, OpenApiParameter.PATH)],
        request=api.CommitmentUpdateSerializer,
        responses={200: api.CommitmentDetailSerializer, 412: PRECONDITION_FAILED, 428: ERROR, **WRITE_ERRORS},
    ),
)
class CommitmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
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
            return Commitment.objects.for_detail()
        return Commitment.objects.for_api()

    def get_object(self) -> Commitment:
        value = str(self.kwargs["pk"])
        lookup = Q(reference=value)
        if value.isdigit() and len(value) < 19:
            lookup |= Q(pk=int(value))
        commitment = get_object_or_404(self.get_queryset(), lookup)
        self.check_object_permissions(self.request, commitment)
        return commitment

    def _context(self, commitments: list[Commitment]) -> dict[str, Any]:
        sections = Section.objects.filter(document_id__in={c.document_id for c in commitments})
        return {**self.get_serializer_context(), "section_paths": sections.paths()}

    def _detail(self, commitment: Commitment, status_code: int = 200) -> Response:
        data = api.CommitmentDetailSerializer(commitment, context=self._context([commitment])).data
        return with_validators(
            Response(data, status=status_code), commitment_etag(commitment), commitment.updated_at
        )

    def handle_exception(self, exc: Exception) -> Response:
        # The one place a stale If-Match becomes 412: found early by the view or under the row lock
        # by the service (services.check_version), the answer carries the current representation.
        if isinstance(exc, StaleVersion | ConcurrentEditError):
            return self._stale()
        return super().handle_exception(exc)

    def _stale(self) -> Response:
        current = self.get_object()
        body = {
            "detail": StaleVersion.default_detail,
            "current": api.CommitmentDetailSerializer(current, context=self._context([current])).data,
        }
        return with_validators(Response(body, status=412), commitment_etag(current), current.updated_at)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        queryset = self.filter_queryset(self.get_queryset())
        if wants_csv(request):
            rows = (exports.commitment_row(item) for item in queryset.iterator(chunk_size=1000))
            return exports.csv_response(exports.COMMITMENT_COLUMNS, rows, "commitments.csv")
        page = list(self.paginate_queryset(queryset) or [])
        data = api.CommitmentSerializer(page, many=True, context=self._context(page)).data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        commitment = self.get_object()
        not_modified = conditional(request, commitment_etag(commitment), commitment.updated_at)
        return not_modified or self._detail(commitment)

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
        return self._detail(self.get_object())

    @extend_schema(
        methods=["GET"],
        summary="The commitment's review history, oldest first",
        responses={200: api.ReviewSerializer(many=True), **READ_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record a review: new status, rationale, cited evidence",
        parameters=[IF_MATCH],
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


@extend_schema_view(
    list=extend_schema(
        summary="Evidence, newest first", responses={200: api.EvidenceSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(responses={200: api.EvidenceSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Add evidence to a commitment", responses={201: api.EvidenceSerializer, **WRITE_ERRORS}
    ),
    partial_update=extend_schema(
        summary="Correct evidence that no review cites yet",
        responses={200: api.EvidenceSerializer, 409: CITED_EVIDENCE, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete evidence that no review cites",
        responses={204: None, 409: CITED_EVIDENCE, **WRITE_ERRORS},
    ),
)
class EvidenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Evidence a review cites is part of the record: changing or deleting it answers 409."""

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


@extend_schema_view(
    list=extend_schema(
        summary="Documents", responses={200: api.DocumentSerializer(many=True), **READ_ERRORS}
    ),
    retrieve=extend_schema(
        summary="A document with its section tree",
        responses={200: api.DocumentDetailSerializer, **READ_ERRORS},
    ),
)
class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
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
    list=extend_schema(summary="The sector taxonomy (tree)", responses={200: api.SectorSerializer(many=True)})
)
class SectorViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = api.SectorSerializer
    pagination_class = None
    queryset = Sector.objects.for_list()


@extend_schema_view(
    list=extend_schema(
        summary="What changed: reviews, newest first",
        responses={200: api.ReviewSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: api.ReviewSerializer, **READ_ERRORS}),
)
class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """Reviews are append-only: PUT, PATCH and DELETE answer 405."""

    serializer_class = api.ReviewSerializer
    filterset_class = ReviewFilterSet
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "head", "options", "put", "patch", "delete"]

    def get_queryset(self) -> QuerySet[Review]:
        return Review.objects.for_list().order_by("-reviewed_at", "-pk")


def report_etag(request: Request, state: str) -> str:
    digest = hashlib.sha256(f"{state}|{request.get_full_path()}|{timezone.localdate()}".encode()).hexdigest()
    return f'"report-{digest[:32]}"'


class ReportView(APIView):
    # Shared by the reports: validate the query, select the commitments, fingerprint them.

    query_serializer: type[serializers.Serializer[Any]]

    def begin(
        self, request: Request
    ) -> tuple[dict[str, Any], CommitmentQuerySet, str, datetime.datetime | None]:
        query = self.query_serializer(data=non_blank(request.query_params))
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        commitments = reports.select_commitments(document=params.get("document"), sector=params.get("sector"))
        state, last_modified = reports.fingerprint(commitments)
        return params, commitments, report_etag(request, state), last_modified


class ProgressReportView(ReportView):
    query_serializer = api.ProgressQuerySerializer
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    @extend_schema(
        summary="Progress by sector, section, status, owner or document — now or as of any day",
        parameters=[api.ProgressQuerySerializer, FORMAT_CSV],
        responses={
            (200, "application/json"): api.ProgressReportSerializer,
            (200, "text/csv"): CSV_BODY,
            304: None,
            **READ_ERRORS,
        },
    )
    def get(self, request: Request) -> Any:
        params, commitments, etag, last_modified = self.begin(request)
        if not_modified := conditional(request, etag, last_modified):
            return not_modified
        report = reports.progress(commitments, group_by=params["group_by"], as_of=params.get("as_of"))
        if wants_csv(request):
            rows = reports.progress_csv_rows(report)
            response: Any = exports.csv_response(
                reports.PROGRESS_CSV_COLUMNS, rows, f"progress-by-{report.group_by}.csv"
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
        parameters=[api.TimelineQuerySerializer],
        responses={200: api.TimelineSerializer, 304: None, **READ_ERRORS},
    )
    def get(self, request: Request) -> Any:
        params, commitments, etag, last_modified = self.begin(request)
        if not_modified := conditional(request, etag, last_modified):
            return not_modified
        start = reports.period_start(params["document"]) if params.get("document") else None
        points = reports.timeline(commitments, interval=params["interval"], start=start)
        data = api.TimelineSerializer({"interval": params["interval"], "points": points}).data
        return with_validators(Response(data), etag, last_modified)
