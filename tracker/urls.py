from django.contrib import admin
from django.urls import path

admin.site.site_header = "Commitment Tracker"
admin.site.site_title = "Commitment Tracker"
admin.site.index_title = "Analyst workspace"

urlpatterns = [
    path("admin/", admin.site.urls),
]
