from allauth.account.adapter import get_adapter
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ..lib.types import AuthenticatedRequest
from . import sso


@never_cache
@require_http_methods(["GET", "POST"])
def reauthenticate(request: AuthenticatedRequest) -> HttpResponse:
    """Confirm it's you by signing in again at the provider: for single sign-on people, the password step."""
    method = sso.reauthentication_method(request, request.user)
    if method is None:
        raise Http404
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("home")
    if request.method == "POST":
        return sso.start_reauthentication(request, next_url=next_url)
    alternatives = [
        {**other, "url": f"{other['url']}?{urlencode({'next': next_url})}"}
        for other in get_adapter(request).get_reauthentication_methods(request.user)
        if other["id"] != method["id"]
    ]
    return render(request, "account/reauthenticate_sso.html", {
        "method": method, "next_url": next_url, "provider_name": sso.provider(request).name,
        "reauthentication_alternatives": alternatives,
    })
