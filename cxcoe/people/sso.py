"""Single sign-on policy. allauth runs the OpenID Connect protocol; cxcoe.people.adapters calls in here to decide
who may come in, to let a fresh sign-in at the provider stand in for a password, and to offer the
provider's own sign-out. The README's "Single sign-on" section describes the behaviour.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import requests
from allauth.account import app_settings as account_settings

# allauth keeps a list of how this session authenticated (password, socialaccount, mfa...). It has no
# public reader; tests/cxcoe/test_sso.py fails if this internal one changes.
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.base import AuthProcess
from django.core.cache import cache
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..audit import record_event
from . import services

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PROVIDER = "openid_connect"
# The session remembers when its person last signed in again at the provider to confirm it was them.
REAUTHENTICATED_AT = "cxcoe_sso_reauthenticated_at"
# Put in the provider round trip's state, so the callback knows it is a re-authentication and for whom.
REAUTHENTICATE = "cxcoe_reauthenticate"
# A provider's clock may run a little behind ours.
CLOCK_SKEW_SECONDS = 60
END_SESSION_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class Refusal:
    verb: str
    title: StrOrPromise
    message: StrOrPromise  # may name %(email)s and %(provider)s


INACTIVE = Refusal(
    "auth.sso_refused_inactive", gettext_lazy("Your account is deactivated"),
    gettext_lazy("Your cxcoe account (%(email)s) is deactivated, so %(provider)s can't open it. "
                 "If you still need cxcoe, ask CoE staff to reactivate your account."),
)
UNKNOWN = Refusal(
    "auth.sso_refused_unknown", gettext_lazy("No cxcoe account uses this address"),
    gettext_lazy("No cxcoe account uses the address %(email)s. Accounts come from the staff directory: "
                 "ask CoE staff to add you."),
)
UNVERIFIED = Refusal(
    "auth.sso_refused_unverified", gettext_lazy("Your address is not confirmed"),
    gettext_lazy("%(provider)s did not confirm that the address %(email)s is yours, so cxcoe can't tell which "
                 "account is yours. Ask your IT team to mark the address as verified at the provider, then "
                 "sign in again."),
)
NO_EMAIL = Refusal(
    "auth.sso_refused_no_email", gettext_lazy("Your provider sent no address"),
    gettext_lazy("%(provider)s did not tell cxcoe your email address, so cxcoe can't tell which account is "
                 "yours. Ask your IT team to release the email and email_verified claims to cxcoe."),
)
OTHER_PERSON = Refusal(
    "auth.sso_reauthentication_refused", gettext_lazy("That was a different account"),
    gettext_lazy("You signed in to %(provider)s with an account that is not yours in cxcoe (%(email)s). "
                 "To confirm it's you, sign in there with your own account."),
)
NOT_FRESH = Refusal(
    "auth.sso_reauthentication_refused", gettext_lazy("Your provider did not ask again"),
    gettext_lazy("%(provider)s let you through without asking you to sign in again, so it can't confirm "
                 "it's you (%(email)s). Sign out of %(provider)s, then try again."),
)


def provider(request):
    """The configured OpenID Connect provider, or None when single sign-on is off."""
    for candidate in get_social_adapter(request).list_providers(request):
        if candidate.id == PROVIDER:
            return candidate
    return None


def _provider_email(sociallogin) -> str:
    addresses = sociallogin.email_addresses
    return addresses[0].email if addresses else ""


def _provider_name(request, sociallogin) -> str:
    return (sociallogin.provider or sociallogin.account.get_provider(request)).name


def _refuse(request, sociallogin, refusal: Refusal, *, user=None):
    email = _provider_email(sociallogin) or (user.email if user is not None else "")
    name = _provider_name(request, sociallogin)
    record_event(actor=request.user if request.user.is_authenticated else None, verb=refusal.verb, target=user,
                 details={"email": email, "provider": name})
    page = render(request, "socialaccount/sso_refused.html", status=403, context={
        "title": refusal.title, "message": refusal.message % {"email": email, "provider": name},
        "signed_in": request.user.is_authenticated,
    })
    raise ImmediateHttpResponse(page)


def check_sign_in(request, sociallogin, *, signup_open: bool) -> None:
    """Runs before allauth links or signs in anything: refuses (with an audit row and a page that says
    what to do) or lets the sign-in go on. A refused attempt changes no account."""
    if REAUTHENTICATE in (sociallogin.state.get("data") or {}):
        _confirm_reauthentication(request, sociallogin)
        return
    user = sociallogin.user if sociallogin.user is not None and sociallogin.user.pk else None
    if user is not None:
        if not user.is_active:
            _refuse(request, sociallogin, INACTIVE, user=user)
        if sociallogin.account.pk is None:
            # Found by its address, and allauth links the provider's account next. It would wipe the
            # password of an address it doesn't know as verified; the directory's addresses are.
            services.verify_directory_address(person=user)
        return
    if signup_open:
        return
    if not sociallogin.email_addresses:
        _refuse(request, sociallogin, NO_EMAIL)
    if not any(address.verified for address in sociallogin.email_addresses):
        _refuse(request, sociallogin, UNVERIFIED)
    _refuse(request, sociallogin, UNKNOWN)


def start_reauthentication(request, *, next_url: str):
    """Send the signed-in person to the provider to sign in again (prompt=login); back at the callback,
    `_confirm_reauthentication` accepts it only for the same person and a fresh sign-in."""
    sso = provider(request)
    # max_age=0 obliges the provider to put auth_time in the ID token (OpenID Connect Core 3.1.2.1), and
    # prompt=login asks it for a new sign-in; some providers ignore prompt, none may leave out auth_time.
    auth_params = {**sso.get_auth_params(), "prompt": "login", "max_age": "0"}
    return sso.redirect(request, AuthProcess.REDIRECT, next_url=next_url, auth_params=auth_params,
                        data={REAUTHENTICATE: {"user": request.user.pk, "at": time.time()}})


def _confirm_reauthentication(request, sociallogin) -> None:
    started = sociallogin.state["data"][REAUTHENTICATE]
    user = request.user
    # Only a provider account already linked to this person counts, never one matched by address.
    same_person = (user.is_authenticated and user.pk == started["user"] and sociallogin.account.pk is not None
                   and sociallogin.account.user_id == user.pk)
    if not same_person:
        _refuse(request, sociallogin, OTHER_PERSON, user=user if user.is_authenticated else None)
    # auth_time in the ID token says when the person last signed in at the provider: it must be this round
    # trip's sign-in. A missing or unreadable one proves nothing, so it counts as an old one.
    auth_time = (sociallogin.account.extra_data.get("id_token") or {}).get("auth_time")
    try:
        signed_in_at = float(auth_time) if auth_time is not None else 0.0
    except (TypeError, ValueError):
        signed_in_at = 0.0
    if signed_in_at < started["at"] - CLOCK_SKEW_SECONDS:
        _refuse(request, sociallogin, NOT_FRESH, user=user)
    request.session[REAUTHENTICATED_AT] = time.time()
    record_event(actor=user, verb="auth.sso_reauthenticated", target=user,
                 details={"provider": _provider_name(request, sociallogin)})


def did_recently_reauthenticate(request) -> bool:
    at = request.session.get(REAUTHENTICATED_AT) if request is not None else None
    return at is not None and time.time() - at < account_settings.REAUTHENTICATION_TIMEOUT


def reauthentication_method(request, user) -> dict | None:
    """The "sign in again with the provider" choice, for people whose account is linked to it."""
    sso = provider(request)
    if sso is None or not SocialAccount.objects.filter(user=user, provider=sso.sub_id).exists():
        return None
    return {"id": "sso_reauthenticate", "url": reverse("sso-reauthenticate"),
            "description": _("Sign in again with %(provider)s") % {"provider": sso.name}}


def signed_in_by_sso(request, user) -> bool:
    records = get_authentication_records(request, user)
    return bool(records) and records[0].get("method") == "socialaccount"


def end_session_url(request) -> str | None:
    """The provider's sign-out page (OpenID Connect RP-initiated logout), when it publishes one."""
    sso = provider(request)
    if sso is None:
        return None
    key = f"cxcoe:sso:end_session:{sso.server_url}"
    endpoint = cache.get(key)
    if endpoint is None:
        try:
            endpoint = sso.get_oauth2_adapter(request).openid_config.get("end_session_endpoint") or ""
        except (requests.RequestException, ValueError):
            return None  # the provider is down; ask again next time
        cache.set(key, endpoint, END_SESSION_CACHE_SECONDS)
    if not endpoint:
        return None
    back = request.build_absolute_uri(reverse("account_login"))
    return f"{endpoint}?{urlencode({'client_id': sso.app.client_id, 'post_logout_redirect_uri': back})}"
