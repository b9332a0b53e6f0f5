"""The main flows with the keyboard alone, as a screen reader user meets them: where the focus lands after an
in-place change or a refused form, what the live region says, the header's Tab order and the focus ring."""

import itertools
import re

import pytest
from playwright.sync_api import expect

from standards.models import Acknowledgement

from .conftest import PHONE, SHOTS, check_page

pytestmark = pytest.mark.browser

ACTIVE = "document.activeElement"

# The first element a Tab reaches after `element` in the page, as the browser orders them.
NEXT_TABBABLE = """(element) => {
  const all = [...document.querySelectorAll("a[href], button, input, select, textarea, summary, [tabindex]")]
    .filter((el) => el.tabIndex >= 0 && !el.disabled && el.getClientRects().length > 0);
  return all.find((el) => element.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING
                          && !element.contains(el)) || null;
}"""


def _tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the focus is on the control whose text is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"{ACTIVE}.textContent.trim()") == name:
            return
    raise AssertionError(f"{limit} Tabs did not reach {name!r}")


def test_acknowledging_by_keyboard_keeps_the_focus_on_the_thanks_and_reads_it_out(sign_in, live_server):
    pending = Acknowledgement.objects.filter(person__email="eve@acme.example", status="pending").first()
    assert pending is not None, "the demo asks Eve to acknowledge a standard"
    page = sign_in("eve@acme.example")
    page.goto(f"{live_server.url}{pending.standard.get_absolute_url()}")
    live = page.locator("#live-region")
    expect(live).to_have_text("")  # in the page from the start, empty
    _tab_to(page, "I have read it and will apply it")
    page.keyboard.press("Enter")

    # The thanks takes the focus, so a screen reader reads it, and it is a polite status box; the page's live
    # region does not say it a second time.
    thanks = page.locator("#acknowledgement [role=status]")
    expect(thanks).to_be_focused()
    expect(thanks).to_contain_text("Thank you: your acknowledgement is recorded. You acknowledged version")
    page.wait_for_timeout(300)  # longer than the live region takes to fill (static/js/cxcoe.js)
    expect(live).to_have_text("")
    after_box = page.evaluate_handle(NEXT_TABBABLE, page.locator("#acknowledgement").element_handle())
    page.keyboard.press("Tab")
    assert page.evaluate("([a, b]) => a === b", [page.evaluate_handle(ACTIVE), after_box]), \
        "the next Tab goes to what follows the box, not further down the page"
    pending.refresh_from_db()
    assert pending.status == Acknowledgement.Status.ACKNOWLEDGED
    check_page(page, "standard-acknowledged-by-keyboard")


def test_a_refused_form_focuses_its_summary_whose_links_reach_the_fields(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/standards/principles/new/")
    page.get_by_label("Statement").focus()
    page.keyboard.type("Customers never repeat themselves.")
    _tab_to(page, "Save")
    page.keyboard.press("Enter")
    page.wait_for_load_state()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    page.keyboard.press("Tab")
    assert page.evaluate(f"[{ACTIVE}.getAttribute('href'), {ACTIVE}.textContent]") == [
        "#id_title", "Title: This field is required."]
    page.keyboard.press("Enter")
    expect(page.get_by_label("Title")).to_be_focused()
    # The label is in view above its field, and the field is described by its error and its hint.
    assert page.locator("label[for=id_title]").bounding_box()["y"] >= 0
    assert page.get_by_label("Title").get_attribute("aria-describedby") == "id_title_errors id_title_helptext"
    expect(page.get_by_label("Title")).to_have_accessible_description(
        re.compile(r"This field is required\..*Short and plain"))
    page.keyboard.type("We remember what customers told us")
    expect(page.get_by_label("Title")).to_have_value("We remember what customers told us")
    check_page(page, "principle-new-refused")


def test_a_wrong_password_focuses_the_summary_which_leads_back_to_the_email(sign_in):
    page = sign_in("eve@acme.example", "not-the-password")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(f"{ACTIVE}.getAttribute('href')") == "#id_login"
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()


def test_live_filters_say_how_many_rows_match(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    page.goto(f"{live_server.url}/manage/people/")
    live = page.locator("#live-region")
    expect(live).to_have_text("")
    search = page.get_by_role("main").get_by_label("Search")
    search.focus()
    page.keyboard.type("Haddad")
    expect(live).to_have_text("1 person matches")
    expect(search).to_be_focused()  # typing goes on where it was
    page.keyboard.type("zzz")
    expect(live).to_have_text("No people match these filters.")
    expect(page.locator("#person-results tbody tr")).to_have_count(0)
    check_page(page, "people-filtered-to-none")

    page.goto(f"{live_server.url}/standards/plans/")
    page.get_by_role("main").get_by_label("Search").focus()
    page.keyboard.type("no plan has this title")
    expect(page.locator("#live-region")).to_have_text("No plans match these filters.")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    expect(page.locator("#live-region")).to_have_text(re.compile(r"^\d+ plans? match(es)?$"))


def _header_stops(page) -> list[dict]:
    """Each control the Tab key reaches in the header, from the top of the page, with where it shows."""
    page.locator(".skip-link").focus()  # the first control of every page, just before the header
    stops = []
    for _ in range(30):
        page.keyboard.press("Tab")
        stop = page.evaluate(f"""() => {{
            const el = {ACTIVE};
            if (!el.closest("header")) return null;
            const box = el.getBoundingClientRect();
            return {{name: (el.getAttribute("aria-label") || el.textContent).trim().replace(/\\s+/g, " "),
                     x: box.left, y: box.top, height: box.height}};
        }}""")
        if stop is None:
            break
        stops.append(stop)
    return stops


def _reads_left_to_right_top_to_bottom(stops: list[dict]) -> bool:
    return all(b["x"] > a["x"] if abs(b["y"] - a["y"]) < a["height"] / 2 else b["y"] > a["y"]
               for a, b in itertools.pairwise(stops))


def test_the_header_tab_order_is_the_order_on_screen(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    stops = _header_stops(page)
    names = [stop["name"] for stop in stops]
    assert names[:2] == ["cxcoe", "My work"]
    assert names[-2].startswith("Notifications")
    assert names[-1] == "Account menu for Olivia"
    assert _reads_left_to_right_top_to_bottom(stops), stops

    page.set_viewport_size(PHONE)
    stops = _header_stops(page)
    assert [stop["name"].split(":")[0] for stop in stops] == [
        "Show navigation", "cxcoe", "Notifications", "Account menu for Olivia"]
    assert _reads_left_to_right_top_to_bottom(stops), stops
    page.get_by_role("button", name="Show navigation").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))  # opened, its animation done
    stops = _header_stops(page)
    assert [stop["name"] for stop in stops][:3] == ["Show navigation", "cxcoe", "My work"]
    assert [stop["name"].split(":")[0] for stop in stops][-2:] == ["Notifications", "Account menu for Olivia"]
    assert _reads_left_to_right_top_to_bottom(stops), stops
    page.screenshot(path=str(SHOTS / "header-menu-open-phone.png"))


def _luminance(rgb: str) -> float:
    channels = [int(value) / 255 for value in re.findall(r"\d+(?:\.\d+)?", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


RING = """() => {
  const el = document.activeElement;
  let behind = el.parentElement;
  while (behind && getComputedStyle(behind).backgroundColor === "rgba(0, 0, 0, 0)") behind = behind.parentElement;
  const style = getComputedStyle(el);
  return {ring: style.outlineColor, width: style.outlineWidth, halo: style.boxShadow,
          behind: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"};
}"""


def test_the_focus_ring_keeps_three_to_one_on_the_top_bar_the_page_and_a_menu(sign_in, live_server):
    page = sign_in("olivia@acme.example")
    _tab_to(page, "My work")
    in_bar = page.evaluate(RING)
    page.screenshot(path=str(SHOTS / "focus-ring-top-bar-desktop.png"),
                    clip={"x": 0, "y": 0, "width": 1280, "height": 120})
    assert in_bar["width"] == "3px"
    assert _contrast(in_bar["ring"], in_bar["behind"]) >= 3, in_bar

    _tab_to(page, "Account menu for Olivia")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("link", name="Profile")).to_be_focused()
    in_menu = page.evaluate(RING)
    page.screenshot(path=str(SHOTS / "focus-ring-account-menu-desktop.png"),
                    clip={"x": 640, "y": 0, "width": 640, "height": 400})
    assert _contrast(in_menu["ring"], in_menu["behind"]) >= 3, in_menu

    page.keyboard.press("Escape")
    page.goto(f"{live_server.url}/standards/")
    page.get_by_role("main").get_by_role("link").first.focus()
    page.keyboard.press("Tab")
    on_page = page.evaluate(RING)
    assert _contrast(on_page["ring"], on_page["behind"]) >= 3, on_page
    # The halo is the other tone: where the ring is close to its background, the halo is not.
    halo = re.match(r"rgba?\([^)]*\)", on_page["halo"]).group(0)
    assert _contrast(halo, on_page["ring"]) >= 3, on_page
