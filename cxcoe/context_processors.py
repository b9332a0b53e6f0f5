from django.conf import settings

from .lib.forms import SEARCH_MAX_LENGTH
from .models import Notification
from .people import sso
from .permissions import can_manage_people, can_view_dashboard, is_coe_staff


def navigation(request) -> dict:
    """What the top bar shows for this person."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {"signed_in": False}}
    return {
        "nav": {
            "signed_in": True,
            "dashboard": can_view_dashboard(user),
            "manage": can_manage_people(user),
            "search_max_length": SEARCH_MAX_LENGTH,
            "sent_mail": settings.CXCOE_EMBEDDED_MAIL and is_coe_staff(user),
            # One COUNT on the partial index of unread notifications (done ones are not counted).
            "unread_notifications": Notification.objects.unread().filter(recipient=user).count(),
        }
    }


def provider_sign_out(request) -> dict:
    """After signing out of a single sign-on session, the sign-in page offers the provider's sign-out."""
    if request.GET.get("signed_out") != "sso" or getattr(request, "user", None) is None \
            or request.user.is_authenticated:
        return {}
    url = sso.end_session_url(request)
    return {"provider_sign_out": {"url": url, "name": sso.provider(request).name}} if url else {}
