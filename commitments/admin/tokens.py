"""API tokens: each person keeps their own. The key is shown once, on the page that created it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from commitments import services
from commitments.display import acting_user
from commitments.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """A token acts as its user, so its user is set once: yourself, or (for a superuser) anyone."""

    list_display = ("name", "user", "hint", "write_enabled", "enabled", "expires_at", "last_used_at")
    list_filter = ("enabled", "write_enabled")
    list_select_related = ("user",)
    search_fields = ("name", "user__username", "hint")
    raw_id_fields = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        tokens = super().get_queryset(request)
        return tokens if request.user.is_superuser else tokens.filter(user=acting_user(request).pk)

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        settings = ("name", "write_enabled", "enabled", "expires_at")
        if obj is not None:
            return ("user", *settings, "hint", "created_at", "last_used_at")
        return ("user", *settings) if request.user.is_superuser else settings

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return ("user", "hint", "created_at", "last_used_at") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:
            obj.save()  # name, write access, revocation, expiry; never the user or the key
            return
        if not request.user.is_superuser:
            obj.user = acting_user(request)
        services.issue_api_token(token=obj, actor=acting_user(request))

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        # The key is on this page only: not in a message (a cookie), not in the session, not in a URL;
        # the admin marks every page no-store, so no cache keeps it either.
        context = {
            **self.admin_site.each_context(request),
            "title": "API token created",
            "opts": self.model._meta,
            "token": obj,
            "key": obj.issued_key,
        }
        return TemplateResponse(request, "admin/commitments/apitoken/created.html", context)
