"""Sign-in with a limit on failures (commitments/lockout.py): the model backend, refusing before it
hashes a password once the client or the username has failed too often, and the admin's login form,
which says so instead of "wrong password"."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from commitments.lockout import client_address, lockout_message, login_limit


class LimitedModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None:  # a management command or a test calling authenticate() directly
            return super().authenticate(request, username, password, **kwargs)
        limit, address = login_limit(), client_address(request)
        if limit.blocked(address, username):
            # Django's authenticate() treats this as a failed sign-in and tries no other backend.
            raise PermissionDenied(lockout_message())
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            limit.record_failure(address, username)
        elif username:
            limit.clear(username)
        return user


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if self.request is not None and login_limit().blocked(client_address(self.request), username):
            raise ValidationError(lockout_message(), code="locked_out")
        return super().clean()
