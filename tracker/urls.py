from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

admin.site.site_header = "Commitment Tracker"
admin.site.site_title = "Commitment Tracker"
admin.site.index_title = "Analyst workspace"
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

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("commitments.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/docs/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("commitments.urls")),  # the public pages and feeds
]
