"""The public pages: progress at a glance, the filterable list, a page per commitment, the annotated
document, sectors, and Atom feeds of status changes."""

from django.urls import path

from commitments import views
from commitments.feeds import StatusChangesFeed

app_name = "pages"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("status.css", views.status_styles, name="status-styles"),
    path("commitments/", views.commitment_list, name="commitment-list"),
    # References contain dots and dashes (CSP2021-II.4-03), never a slash.
    path("commitments/<str:reference>/", views.commitment_detail, name="commitment"),
    # Evidence suggested by a visitor (POST only), pending an analyst's decision.
    path("commitments/<str:reference>/suggest/", views.suggest_evidence, name="suggest-evidence"),
    # The latest archived copy of an evidence page's text (commitments/linkcheck.py).
    path("evidence/<int:pk>/archive/", views.evidence_archive, name="evidence-archive"),
    path("documents/<slug:slug>/", views.document_text, name="document"),
    path("sectors/<slug:slug>/", views.sector_detail, name="sector"),
    path("feeds/changes/", StatusChangesFeed(), name="feed-changes"),
]
