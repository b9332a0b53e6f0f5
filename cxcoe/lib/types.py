"""Types the views share."""

from typing import Protocol

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from ..models import User


class AuthenticatedRequest(HttpRequest):
    """A request that got past LoginRequiredMiddleware: its user is a signed-in person. Only the views marked
    login_not_required (health checks, the calendar feed) see anonymous visitors, and they take an HttpRequest."""

    user: User  # type: ignore[assignment]  # narrower than HttpRequest's User | AnonymousUser, by the middleware
    htmx: HtmxDetails  # set by django-htmx's HtmxMiddleware on every request


class HasPage(Protocol):
    """A row with a page of its own. Django's Model has no get_absolute_url: the models that have pages add it."""

    def get_absolute_url(self) -> str: ...
