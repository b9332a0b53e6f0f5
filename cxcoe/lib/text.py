"""Rich text: Markdown written by people, rendered to HTML and then sanitized, in one place; and the same text
without its Markdown, where only plain text goes (an email's text part, a calendar event)."""

import re
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# The longest Markdown text a form takes and the editor previews: some ten pages, well beyond any statement or
# message, and short enough that rendering it costs a request little.
MARKDOWN_MAX_LENGTH = 20_000


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML that is safe to show: no scripts, event attributes, styles or javascript: links."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 has just removed everything unsafe


class _PlainText(HTMLParser):
    """Sanitized HTML back to readable text: each block on lines of its own, list items after a dash or their
    number, a link's address after its words."""

    BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "table", "tr",
                        "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.lists: list[int | None] = []  # per open list: the last item's number, or None for bullets

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ul", "ol"):
            self.lists.append(0 if tag == "ol" else None)
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "li":
            number = self.lists[-1] if self.lists else None
            if number is None:
                self.parts.append("\n- ")
            else:
                self.lists[-1] = number + 1
                self.parts.append(f"\n{number + 1}. ")
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links and (href := self.links.pop()):
            self.parts.append(f" ({href.removeprefix('mailto:')})")

    def handle_data(self, data: str) -> None:
        # The line breaks Markdown leaves between tags are spaces here: the blocks themselves make the lines.
        self.parts.append(" " if not data.strip() else data)

    def text(self) -> str:
        lines = [line.rstrip() for line in "".join(self.parts).split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def plain_text(text: str) -> str:
    """Markdown as the words it shows, without its syntax: "**five** principles" reads "five principles"."""
    parser = _PlainText()
    parser.feed(render_markdown(text))
    parser.close()
    return parser.text()
