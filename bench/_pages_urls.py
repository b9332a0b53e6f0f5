"""cxcoe's URLs plus /bench/bare/: a view that needs a signed-in person and does nothing else, so that its
time is what the server, the middleware and the session cost before any page's own work."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse(f"signed in as {request.user.pk}")


urlpatterns = [
    path("bench/bare/", bare),
    path("", include("cxcoe.urls")),
]
