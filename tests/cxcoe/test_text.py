import pytest
from django.template import Context, Template

from cxcoe.lib.text import plain_text, render_markdown


def test_markdown_keeps_the_formatting_people_use():
    html = render_markdown(
        "## Why\n\n**Customers** first, see [the guide](https://intranet.example/guide).\n\n- one\n- two"
    )
    assert "<h2>Why</h2>" in html
    assert "<strong>Customers</strong>" in html
    assert '<a href="https://intranet.example/guide" rel="noopener noreferrer nofollow">the guide</a>' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(("text", "forbidden"), [
    ("<script>alert(1)</script>", "<script"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<img src="x" onerror="alert(1)">', "onerror"),
    ('<p onclick="alert(1)">hi</p>', "onclick"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('<div style="position:fixed">x</div>', "style="),
    ("<svg><script>alert(1)</script></svg>", "<svg"),
])
def test_markdown_removes_anything_that_could_run(text, forbidden):
    assert forbidden not in render_markdown(text).lower()


def test_the_template_filter_renders_sanitized_markdown():
    rendered = Template("{% load cxcoe_text %}{{ body|markdown }}").render(
        Context({"body": "Hello <script>x</script> *world*"})
    )
    assert "<em>world</em>" in rendered
    assert "<script" not in rendered


def test_plain_text_keeps_the_words_and_drops_the_markdown():
    text = plain_text("Today we publish **five CX principles**: read [them](https://intranet.example/cx) & tell "
                      "*us*.\n\n## Why\n\n- one\n- two\n\n1. first\n2. second\n\n"
                      "Write to [us](mailto:cx@acme.example).")
    assert text == ("Today we publish five CX principles: read them (https://intranet.example/cx) & tell us.\n\n"
                    "Why\n\n- one\n- two\n\n1. first\n2. second\n\nWrite to us (cx@acme.example).")


def test_plain_text_leaves_nothing_of_html_that_could_run():
    assert plain_text("Hello <script>alert(1)</script><b onclick=x>there</b>") == "Hello there"


def test_plain_text_of_nothing_is_nothing():
    assert plain_text("") == ""
