"""cxcoe's own wording of allauth's words (locale/en): sentence case, under every date style."""

import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

from cxcoe.models import DateStyle

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"


def _pairs() -> dict[str, str]:
    text = (CATALOG / "django.po").read_text()
    return dict(re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', text, re.M))


def test_the_compiled_catalog_says_what_the_source_says():
    with (CATALOG / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    pairs = _pairs()
    assert len(pairs) > 10
    assert {msgid: compiled.gettext(msgid) for msgid in pairs} == pairs


@pytest.mark.parametrize("style", list(DateStyle))
def test_allauth_pages_read_in_sentence_case_whatever_the_date_style(client, eve, style):
    eve.date_style = style
    eve.save(update_fields=["date_style"])
    client.force_login(eve)
    page = client.get(reverse("account_change_password")).text
    assert re.search(r"<h1>\s*Change password\s*</h1>", page)
    assert re.search(r">\s*Current password\s*<", page)
    assert "Change Password" not in page
