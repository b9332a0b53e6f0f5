"""A first visit stays within the page-weight budget: 120 KB, compressed, for the page and all it loads.

The heaviest first page is CoE staff's home. What it loads is read from its HTML (stylesheets, scripts, the
icon sprite) and measured as gzip sends it; whitenoise serves the same files compressed.
"""

import gzip
import re
from pathlib import Path

from django.contrib.staticfiles import finders
from django.urls import reverse

BUDGET = 120 * 1024


def _static_path(url: str) -> str:
    return url.split("/static/", 1)[1].split("#")[0].split("?")[0]


def test_a_first_visit_loads_less_than_the_budget(client, olivia):
    client.force_login(olivia)
    # A form with pickers loads Tom Select as well (cxcoe/lib/pickers.py).
    for page_name in ["home", "standards:standard-list", "dashboard", "standards:standard-create"]:
        html = client.get(reverse(page_name)).content
        assets = set(re.findall(rb'(?:href|src)="(/static/[^"]+\.(?:css|js|svg)[^"]*)"', html))
        assert any(asset.endswith(b".css") for asset in assets)
        weights = {asset: len(gzip.compress(Path(finders.find(_static_path(asset.decode()))).read_bytes()))
                   for asset in assets}
        total = len(gzip.compress(html)) + sum(weights.values())
        assert total < BUDGET, f"{page_name}: {total} bytes compressed ({weights})"
