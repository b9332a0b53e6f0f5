"""The Sent mail pages: the emails the embedded mode wrote to CXCOE_MAIL_DIR instead of sending them.

They exist only in the embedded mode. Elsewhere email really leaves, and these URLs answer 404.
"""

from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from ..lib.types import AuthenticatedRequest
from ..models import User
from ..permissions import can_read_sent_mail, coe_staff_required
from . import mailbox

PAGE_SIZE = 50


def embedded_mail_only(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.CXCOE_EMBEDDED_MAIL:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@embedded_mail_only
@coe_staff_required
@require_GET
def sent_mail_list(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(mailbox.sent_mail_names(), PAGE_SIZE).get_page(request.GET.get("page"))
    # Only the emails on this page are opened, and only their headers are read.
    emails = [email for name in page.object_list if (email := mailbox.read_sent_mail(name, with_body=False))]
    admins = _site_admin_addresses()
    rows = [(email, can_read_sent_mail(request.user, email, site_admin_addresses=admins)) for email in emails]
    return render(request, "cxcoe/sent_mail_list.html",
                  {"page_obj": page, "emails": emails, "rows": rows, "mail_dir": mailbox.mail_dir()})


def _site_admin_addresses() -> set[str]:
    return set(User.objects.filter(is_superuser=True).annotate(address=Lower("email"))
               .values_list("address", flat=True))


def _readable(request: AuthenticatedRequest, name: str) -> mailbox.SentMail:
    email = mailbox.read_sent_mail(name)
    if email is None or not can_read_sent_mail(request.user, email, site_admin_addresses=_site_admin_addresses()):
        raise Http404
    return email


@embedded_mail_only
@coe_staff_required
@require_GET
def sent_mail_detail(request: AuthenticatedRequest, name: str) -> HttpResponse:
    email = _readable(request, name)
    return render(request, "cxcoe/sent_mail_detail.html",
                  {"email": email, "path": mailbox.mail_dir() / f"{email.name}.eml"})


# The email's own HTML is not ours to trust: it is served on its own, under a policy that sandboxes it (no
# scripts, no forms, a unique origin, so no cookies) and lets it load nothing but our images and its own
# inline styles, and only the Sent mail page may frame it.
EMAIL_HTML_POLICY = ("sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
                     "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")


@embedded_mail_only
@coe_staff_required
@require_GET
@xframe_options_sameorigin
def sent_mail_html(request: AuthenticatedRequest, name: str) -> HttpResponse:
    email = _readable(request, name)
    if not email.has_html:
        raise Http404
    response = HttpResponse(email.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = EMAIL_HTML_POLICY  # django-csp leaves a header that is already set
    response["Cache-Control"] = "private, no-store"
    return response
