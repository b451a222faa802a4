from django.urls import include, path
from rest_framework.routers import DefaultRouter

from commitments.api import views


class Router(DefaultRouter):
    APIRootView = views.ApiRootView  # lists the reports, the schema and the docs too


# No format-suffix patterns: references such as CSP2021-II.4 contain dots.
router = Router(trailing_slash=True)
router.include_format_suffixes = False
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("sectors", views.SectorViewSet, basename="sector")
router.register("reviews", views.ReviewViewSet, basename="review")

app_name = "api"
urlpatterns = [
    path("reports/progress/", views.ProgressReportView.as_view(), name="report-progress"),
    path("reports/timeline/", views.TimelineReportView.as_view(), name="report-timeline"),
    path("", include(router.urls)),
]
