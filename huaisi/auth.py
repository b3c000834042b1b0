"""Log-in throttling: too many failed log-ins for one user name from one address lock it out.

The count lives in Redis (the default cache), keyed by a digest of the user name and the client
address, so a guesser cannot lock a colleague out from elsewhere in the town and no user name is
written to Redis in the clear. The lock is enforced in the authentication backend, which every
log-in form (ours and the admin's) goes through; the log-in form only words the refusal.
"""

import hashlib

from django import forms
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .services import PASSWORD_CHANGE_SESSION_KEY, password_change_is_required

# Tests give each test a namespace of its own so counts never leak between them.
KEY_NAMESPACE_SETTING = "LOGIN_THROTTLE_NAMESPACE"


def client_address(request: HttpRequest) -> str:
    """The address the log-in came from.

    With no proxy in front (TRUSTED_PROXIES = 0) it is the socket's peer. Behind N proxies
    (a load balancer is one) the peer is always the nearest proxy, so every log-in in the town
    would share one count and a guesser could lock a colleague out from anywhere; then it is
    the address the outermost trusted proxy saw, which is the N-th entry of X-Forwarded-For
    counted from the right (each proxy appends the peer it received the request from).
    Entries further left are whatever the client wrote there: never trusted, so a guesser who
    writes a new address into the header with every try is still counted under one."""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def failure_key(request: HttpRequest, username: str) -> str:
    namespace = getattr(settings, KEY_NAMESPACE_SETTING, "login-failures")
    digest = hashlib.sha256(
        f"{username.strip().casefold()}\x00{client_address(request)}".encode()
    ).hexdigest()
    return f"{namespace}:{digest}"


def login_is_locked(request: HttpRequest, username: str) -> bool:
    failures = cache.get(failure_key(request, username), 0)
    return failures >= settings.LOGIN_FAILURE_LIMIT


def login_failure_record(request: HttpRequest, username: str) -> int:
    """Count one failed log-in; the count (and so a lock) expires LOGIN_LOCKOUT_SECONDS after
    the latest failure."""
    key = failure_key(request, username)
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        failures = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        failures = 1
    cache.touch(key, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    return failures


def login_failures_clear(request: HttpRequest, username: str) -> None:
    cache.delete(failure_key(request, username))


class ThrottledModelBackend(ModelBackend):
    """Django's ModelBackend, refusing a locked user name + address even with the right
    password. Calls without a request (the test client's login(), shell scripts) are not
    throttled: there is no address to count against."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        if login_is_locked(request, username):
            # PermissionDenied makes django.contrib.auth.authenticate() stop and refuse.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(request, username)
        else:
            login_failures_clear(request, username)
        return user


class ThrottledAuthenticationForm(AuthenticationForm):
    """The log-in form, saying so when the account is locked rather than "wrong password"."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed log-ins. This account is locked on this device for "
            "%(minutes)d minutes; try again later or ask the town office."
        ),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and self.request is not None and login_is_locked(self.request, username):
            raise self._locked_error()
        try:
            return super().clean()
        except forms.ValidationError:
            if username and self.request is not None and login_is_locked(self.request, username):
                raise self._locked_error() from None
            raise

    locked = False

    def _locked_error(self) -> forms.ValidationError:
        self.locked = True
        return forms.ValidationError(
            self.error_messages["locked"],
            code="locked",
            params={"minutes": max(1, settings.LOGIN_LOCKOUT_SECONDS // 60)},
        )


# --- First log-in: a new password before anything else ---------------------------------


def password_flag_on_login(sender, request, user, **kwargs) -> None:
    """At log-in, copy the account's "must change its password" flag into the session, so the
    middleware reads it there instead of asking the database on every page."""
    if password_change_is_required(user=user):
        request.session[PASSWORD_CHANGE_SESSION_KEY] = True
    else:
        request.session.pop(PASSWORD_CHANGE_SESSION_KEY, None)


class NewPasswordForm(PasswordChangeForm):
    """Django's password change form (current password, then the new one twice, checked by
    AUTH_PASSWORD_VALIDATORS), refusing a "new" password that is the one-time password again."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_unchanged": _("Choose a password different from the one you were given."),
    }

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password1")
        if password and not self.has_error("new_password2") and self.user.check_password(password):
            self.add_error(
                "new_password1",
                forms.ValidationError(
                    self.error_messages["password_unchanged"], code="password_unchanged"
                ),
            )
        return cleaned
