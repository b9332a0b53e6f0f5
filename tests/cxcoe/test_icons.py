"""The icon sprite holds every icon a template names, and is the sprite bin/icons builds from ICONS."""

import re
import runpy
from pathlib import Path

import pytest
from django.template import Context, Template

ROOT = Path(__file__).resolve().parents[2]
SPRITE = ROOT / "static" / "vendor" / "bootstrap-icons" / "icons.svg"


def test_every_icon_a_template_names_is_in_the_sprite():
    named = {name for path in (ROOT / "templates").rglob("*.html")
             for name in re.findall(r'{% icon "([\w-]+)"', path.read_text())}
    held = set(re.findall(r'<symbol id="([\w-]+)"', SPRITE.read_text()))
    assert named, "no template uses an icon"
    assert named - held == set(), "icons missing from static/vendor/bootstrap-icons/ICONS (then run bin/icons)"


def test_the_sprite_is_built_from_icons_list():
    build = runpy.run_path(str(ROOT / "bin" / "icons"))
    if not build["SOURCE"].is_dir():
        pytest.skip("node_modules/bootstrap-icons is not installed")
    assert SPRITE.read_text() == build["sprite"](), "run bin/icons"


def test_an_icon_beside_words_is_hidden_and_one_alone_is_named():
    page = Template('{% load cxcoe_icons %}{% icon "download" %}|{% icon "bell" label="Notifications" %}')
    hidden, named = page.render(Context()).split("|")
    assert 'aria-hidden="true"' in hidden
    assert "icons.svg#download" in hidden
    assert 'role="img" aria-label="Notifications"' in named
