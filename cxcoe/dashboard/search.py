"""The site search: one box in the top bar for everything a person may read, the hits grouped by kind.

Each app offers its part through its own `search.py`, as it offers `metrics.py`: a `site_search(user, query,
limit=...)` returning groups of hits (cxcoe/lib/search.py), each scoped to what `user` may see. An app that comes
later adds its function to PARTS.
"""

from django.http import HttpResponse
from django.shortcuts import render

from library import search as library_search
from standards import search as standards_search

from ..lib.types import AuthenticatedRequest
from .forms import SearchForm

# In the order the page shows them: the library's resources first, as the thing most searched for.
PARTS = [library_search.site_search, standards_search.site_search]
HITS_PER_GROUP = 10


def search(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    groups = [group for part in PARTS for group in part(request.user, query, limit=HITS_PER_GROUP)] if query else []
    return render(request, "cxcoe/search.html", {
        "form": form,
        "query": query,
        "groups": [group for group in groups if group.count],
        "found": sum(group.count for group in groups),
    })
