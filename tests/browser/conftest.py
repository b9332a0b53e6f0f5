"""Browser tests: Playwright drives Debian's Chromium against the live server.

Each page visited is checked with axe-core and photographed at phone and desktop width into
test-artifacts/screenshots/ (ignored by git) so that people can look at them.
"""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cxcoe.lib import queueing

CHROMIUM = Path(os.environ.get("CXCOE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
DEMO_PASSWORD = "cxcoe-demo"


def pytest_collection_modifyitems(config, items):
    missing = [str(path) for path in (CHROMIUM, AXE) if not path.exists()]
    if not missing:
        return
    if os.environ.get("CXCOE_REQUIRE_SERVICES") == "1":
        raise pytest.UsageError(f"Browser tests need {', '.join(missing)} (CXCOE_REQUIRE_SERVICES=1).")
    skip = pytest.mark.skip(reason=f"missing {', '.join(missing)}")
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-US"}


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(page):
    """The pages run under the real Content-Security-Policy; anything it blocks fails the test."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    # axe-core is served as if from our own origin, which the policy allows for scripts.
    page.route("**/__axe.js", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    yield
    assert refused == []


@pytest.fixture
def demo(transactional_db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    # The demo as `make run` serves it, with its worker running: one that has just reported in, so the pages
    # don't show a missing worker that the real site would have.
    queueing.record_heartbeat(hostname="celery@demo")


@pytest.fixture
def sign_in(page, live_server, demo):
    def sign_in_as(email: str, password: str = DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
        page.wait_for_load_state()
        return page

    return sign_in_as


def check_page(page, name: str) -> None:
    """Run axe-core on the page at phone and desktop width, and keep a screenshot of each."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.add_script_tag(url="/__axe.js")
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        summary = [(v["id"], v["impact"], [node["target"] for node in v["nodes"]][:3]) for v in violations]
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        assert summary == [], f"axe found problems on {name} at {label} width"
    page.set_viewport_size(DESKTOP)


def pick(page, label: str, typed: str, choice: str) -> None:
    """Choose in a picker (cxcoe/lib/pickers.py) as a person does: type part of a name into the search box that
    `label` names, and click the option whose text starts with `choice`."""
    box = page.get_by_role("combobox", name=label, exact=True)
    control = box.locator("..")  # the box Tom Select draws round its text input
    # Clicked near its right end: in a narrow box, its middle can be the remove button of what is chosen already.
    size = control.bounding_box()
    control.click(position={"x": size["width"] - 12, "y": size["height"] / 2})
    expect(box).to_be_focused()  # Tom Select moves the focus a moment after the click
    box.press_sequentially(typed)
    options = page.locator(f"#{box.get_attribute('aria-controls')}")
    options.get_by_role("option", name=re.compile(rf"^{re.escape(choice)}")).first.click()
    page.keyboard.press("Escape")
