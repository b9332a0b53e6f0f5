"""At phone width (390 px), every page a role can reach keeps its tables and tabs on screen.

The test crawls the demo from My work as each role, following the site's own links, so a new list page is
checked as soon as something links to it. On every page:
- no table scrolls sideways: the columns that matter stay, the rest are hidden on a phone (`hide-sm`) or the
  table stacks;
- every visible table header and tab sits inside the viewport;
- the page itself is no wider than the screen.
"""

import re
from urllib.parse import urldefrag, urlsplit

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser

# Links that act, leave, or only repeat a page already crawled with other parameters.
SKIP = re.compile(r"/accounts/|/admin/|/export/|\.csv|format=csv|\.ics|/feed/|/notifications/\d+/open/|[?&]page="
                  r"|/html/$")
MAX_PAGES = 120
# Pages of one kind (the same address but for ids, the same parameters but for their values) are alike: two of
# each are read.
PER_KIND = 2

OVERFLOW = """() => {
  const width = window.innerWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`the page is ${document.documentElement.scrollWidth}px wide`);
  }
  for (const wrapper of document.querySelectorAll('.table-responsive')) {
    if (wrapper.scrollWidth > wrapper.clientWidth + 1) {
      const caption = wrapper.querySelector('caption');
      const name = caption ? caption.textContent.trim() : '?';
      problems.push(`table "${name}" scrolls: ${wrapper.scrollWidth}px in ${wrapper.clientWidth}px`);
    }
  }
  for (const cell of document.querySelectorAll('th, .nav-link')) {
    const box = cell.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
      const where = `${Math.round(box.left)} to ${Math.round(box.right)}px`;
      problems.push(`"${cell.textContent.trim()}" is off-screen (${where})`);
    }
  }
  return problems;
}"""


def _kind(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+", "N", parts.path) + "?" + ",".join(sorted(re.findall(r"(\w+)=", parts.query)))


def _crawl(page, start: str) -> tuple[dict[str, list[str]], int]:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(start))
    queue, seen, found = [start], {start}, {}
    kinds: dict[str, int] = {}
    while queue and len(seen) <= MAX_PAGES:
        url = queue.pop(0)
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        if problems := page.evaluate(OVERFLOW):
            found[url.removeprefix(origin)] = problems
        for href in page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)"):
            link = urldefrag(href).url
            if link.startswith(origin) and link not in seen and not SKIP.search(link) \
                    and kinds.get(_kind(link), 0) < PER_KIND:
                kinds[_kind(link)] = kinds.get(_kind(link), 0) + 1
                seen.add(link)
                queue.append(link)
    assert len(seen) > 10, "the crawl found too few pages"
    return found, len(seen)


@pytest.mark.parametrize("email", ["olivia@acme.example", "leo@acme.example", "eve@acme.example"])
def test_every_page_fits_a_phone(sign_in, live_server, email):
    page = sign_in(email)
    page.set_viewport_size(PHONE)
    found, crawled = _crawl(page, f"{live_server.url}/")
    print(f"{email}: {crawled} pages")
    assert found == {}, "\n".join(f"{url}: {'; '.join(problems)}" for url, problems in sorted(found.items()))
