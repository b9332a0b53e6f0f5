from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import audit
from .lib import locale, queueing
from .people import sso
from .permissions import is_coe_staff


def audit_origin(get_response):
    """Every audit event a request writes records the client's address and user agent (cxcoe.audit)."""

    def middleware(request):
        with audit.origin(audit.origin_of(request)):
            return get_response(request)

    return middleware


def user_locale(get_response):
    """Show dates in the signed-in person's own time zone and date style (cxcoe.lib.locale). What is set stays
    set until the next request, as a streamed response (a CSV export) is written after this returns."""

    def middleware(request):
        locale.activate_for(request.user)
        return get_response(request)

    return middleware


def require_staff_mfa(get_response):
    """With CXCOE_REQUIRE_STAFF_MFA on, CoE staff and site admins must set up an authenticator first.

    Setting one up happens under /accounts/ (re-authenticating at the provider too, for people without a
    password), so those pages stay open. With CXCOE_TRUST_PROVIDER_MFA on, a single sign-on session is
    enough: the provider asked for its own second factor.
    """

    def middleware(request):
        user = request.user
        if settings.CXCOE_REQUIRE_STAFF_MFA and (is_coe_staff(user) or (user.is_authenticated and user.is_superuser)):
            from allauth.mfa.models import Authenticator

            allowed = ("/accounts/",)
            if (not request.path.startswith(allowed)
                    and not (settings.CXCOE_TRUST_PROVIDER_MFA and sso.signed_in_by_sso(request, user))
                    and not Authenticator.objects.filter(user=request.user).exists()):
                return redirect(reverse("mfa_activate_totp"))
        return get_response(request)

    return middleware


def queue_outage_notice(get_response):
    """Tell the person when work they started could not be handed to the background worker yet.

    The work is saved and waits in the database (cxcoe.lib.queueing); it starts once the broker is back.
    Listed after the message middleware, so the message is stored with this response.
    """

    def middleware(request):
        unsent = queueing.collect_unsent()
        response = get_response(request)
        if unsent and request.user.is_authenticated:
            messages.warning(request, _("The background worker can't be reached right now. What you started is "
                                        "saved and queued: it starts as soon as the worker is reachable again."))
        return response

    return middleware
