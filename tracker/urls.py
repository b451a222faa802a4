from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from commitments import health
from commitments.auth import LimitedAdminAuthenticationForm

admin.site.site_header = "Commitment Tracker"
admin.site.site_title = "Commitment Tracker"
admin.site.index_title = "Analyst workspace"
# Says "too many failed attempts" once the sign-in limit is reached (commitments/lockout.py).
admin.site.login_form = LimitedAdminAuthenticationForm
# The app list in a sidebar costs a laptop screen a fifth of its width on every page; the index and
# the breadcrumbs lead everywhere it does.
admin.site.enable_nav_sidebar = False
# "View site" in the admin leads to the public pages.
admin.site.site_url = "/"

# Errors raised outside a DRF view (an unknown URL, a body too large) are JSON under /api/ too.
handler400 = "commitments.errors.bad_request"
handler403 = "commitments.errors.permission_denied"
handler404 = "commitments.errors.page_not_found"
handler500 = "commitments.errors.server_error"

# Swagger UI and ReDoc start from an inline script, and ReDoc styles itself with <style> elements and a
# web worker: their two pages (no user data on them) allow that; every other page allows neither.
DOCS_VIEWER_POLICY = csp_update(
    {"script-src": [UNSAFE_INLINE], "style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}
)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("commitments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", DOCS_VIEWER_POLICY(SpectacularSwaggerView.as_view(url_name="schema")), name="api-docs"),
    path(
        "api/docs/redoc/",
        DOCS_VIEWER_POLICY(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    path("", include("commitments.urls")),  # the public pages and feeds
]
