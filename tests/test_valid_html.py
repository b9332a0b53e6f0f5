"""Every page of the permission matrix, as each role opens it, is valid HTML by the W3C Nu Html Checker.

The pages are read through Django's test client (their HTML is the server's; nothing here needs the browser)
and checked in one run of the checker, since starting Java is most of its cost.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from library.services.requests import request_content

from .permissions import ROLES, url_of
from .steps import read_to_the_end
from .test_permission_matrix import MATRIX

# The W3C Nu Html Checker from npm (bin/node-modules installs it), run with Java; bin/test-env.py reads the same.
VNU = Path(__file__).resolve().parents[1] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
JAVA = Path(os.environ.get("CXCOE_JAVA", "/usr/bin/java"))
MISSING = [str(path) for path in (JAVA, VNU) if not path.exists()]
if MISSING and os.environ.get("CXCOE_REQUIRE_SERVICES") == "1":
    raise RuntimeError(f"The HTML check needs {', '.join(MISSING)} (CXCOE_REQUIRE_SERVICES=1).")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"missing {', '.join(MISSING)}")

# The sign-in pages, which only visitors see.
VISITOR_PAGES = ["account_login", "account_reset_password", "account_signup"]
# A kept email's own HTML, shown as the email has it: the mail's markup, not a page of the site.
NOT_PAGES = {"sent-mail-html"}


def _html_pages(client, person, role, objects) -> dict[str, str]:
    if person is not None:
        client.force_login(person)
    names = [name for name, spec in MATRIX.items() if spec["method"] == "get" and spec["statuses"][role] == 200
             and name not in NOT_PAGES]
    pages = {}
    for name in sorted(names) + (VISITOR_PAGES if person is None else []):
        url = url_of(name, MATRIX[name], objects) if name in MATRIX else reverse(name)
        response = client.get(url)
        read_to_the_end(response)  # a download's file is open until its response is read
        if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
            pages[f"{role}-{name.replace(':', '-')}.html"] = response.text
    return pages


def _checker_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """What the checker finds wrong in these pages (file name: their HTML), one line each."""
    for name, html in pages.items():
        (folder / name).write_text(html)
    command = [str(JAVA), "-jar", str(VNU), "--errors-only", "--format", "json", "--exit-zero-always",
               *sorted(str(folder / name) for name in pages)]
    checked = subprocess.run(command, capture_output=True, text=True, timeout=300, check=True)  # noqa: S603 - our files
    return [f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
            for message in json.loads(checked.stderr)["messages"]]


def test_every_page_is_valid_html(client, people_by_role, matrix_objects, tmp_path):
    pages = {}
    for role in ROLES:
        client.logout()
        pages |= _html_pages(client, people_by_role[role], role, matrix_objects)
    assert len(pages) > 90, "the pages were not read"
    assert _checker_errors(pages, tmp_path) == []


def test_forms_sent_back_with_errors_are_valid_html(client, olivia, eve, tmp_path):
    """The matrix only opens pages: here the error summary and the fields marked invalid, of our forms and
    allauth's."""
    pages = {"sign-in.html": client.post(reverse("account_login"), {"login": eve.email, "password": "wrong"})}
    client.force_login(olivia)
    pages["principle-new.html"] = client.post(reverse("standards:principle-create"), {"title": "", "statement": ""})
    # The pickers (cxcoe/lib/pickers.py) marked invalid, with what was picked kept.
    pages["plan-new.html"] = client.post(reverse("standards:plan-create"), {"owner_email": "nobody@x.example"})
    pages["unit-new.html"] = client.post(reverse("unit-create"), {"code": "", "leader_emails": "ghost@acme.example"})
    pages["password-change.html"] = client.post(reverse("account_change_password"), {"oldpassword": "wrong"})
    # A content request's page with its triage forms side by side, one sent back with its errors.
    asked = request_content(by=eve, need="A call-back checklist", why="Nobody calls back.")
    pages["request-new.html"] = client.post(reverse("library:request-create"), {"need": "", "urgency": "soon"})
    pages["request-accept.html"] = client.post(reverse("library:request-accept", args=[asked.pk]),
                                               {"accept-owner_email": "ghost@acme.example"})
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert "data-error-summary" in response.text, name
    assert _checker_errors({name: response.text for name, response in pages.items()}, tmp_path) == []


def test_forms_sent_with_preview_are_valid_html(client, olivia, tmp_path):
    """A form sent with a Markdown field's Preview button (no JavaScript) and the preview endpoint's fragment."""
    client.force_login(olivia)
    text = "## Why\n\n**Customers** first: [the guide](https://intranet.example/guide).\n\n- one\n- two"
    pages = {
        "principle-preview.html": client.post(reverse("standards:principle-create"),
                                              {"title": "We keep our promises", "explanation": text,
                                               "_preview": "explanation"}),
        "plan-preview.html": client.post(reverse("standards:plan-create"),
                                         {"objective": text, "_preview": "objective"}),
        "standard-preview.html": client.post(reverse("standards:standard-create"),
                                             {"version-statement": text, "_preview": "version-statement"}),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert "<strong>Customers</strong> first" in response.text, name
    fragment = client.post(reverse("markdown-preview"), {"field": "message", "message": text}).text
    pages_html = {name: response.text for name, response in pages.items()}
    pages_html["markdown-preview.html"] = f"<!doctype html><html lang=en><title>Preview</title>{fragment}</html>"
    assert _checker_errors(pages_html, tmp_path) == []
