"""The pieces of the site search that every app's part shares: a hit, a group of hits, and snippets with the
searched words marked.

Each app offers its part in its own `search.py` (as it offers `metrics.py`), returning `Group`s; the site search
page (cxcoe/dashboard/search.py) is the one reader that asks every app.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Operators of PostgreSQL's websearch syntax ("quoted phrase", -word), which the plain matching leaves out.
_NOT_WORDS = re.compile(r'["()]+')
# What Markdown adds around words (emphasis, code, headings, quotes): left out of a snippet, which shows the words.
_MARKDOWN = re.compile(r"\*\*|__|`+|(?:^|(?<=\s))(?:#{1,6}|>)(?=\s)")
SNIPPET_LENGTH = 220


@dataclass(frozen=True)
class Badge:
    label: str
    tone: str = "secondary"  # a Bootstrap text-bg-* colour: "danger", "warning", "secondary", "light"


@dataclass(frozen=True)
class Hit:
    """One object found: what kind it is, its title, its page, and a snippet whose only markup is <mark>."""

    kind_label: str
    title: str
    url: str
    snippet: SafeString = field(default_factory=lambda: SafeString(""))
    badges: tuple[Badge, ...] = ()


@dataclass(frozen=True)
class Group:
    """One kind of object: how many match, in words that say what they count, the first hits, and the list that
    shows them all (`list_url`, said by `list_text`), if there is one."""

    label: str
    count: int
    count_text: str
    hits: list[Hit]
    list_url: str = ""
    list_text: str = ""
    anchor: str = ""


def words(query: str) -> list[str]:
    """The words of a query, for plain matching: each must appear somewhere (as PostgreSQL's websearch asks)."""
    found: list[str] = []
    for word in _NOT_WORDS.sub(" ", query).split():
        word = word.lstrip("-")
        if word and word.lower() != "or" and word.lower() not in (w.lower() for w in found):
            found.append(word)
    return found


def sentinels() -> tuple[str, str]:
    """Markers to ask the database to put round matched words: random, so no text can hold them, and made of
    letters and digits, which escaping leaves alone."""
    token = secrets.token_hex(8)
    return f"mark{token}start", f"mark{token}stop"


def _tidy(text: str) -> str:
    return " ".join(_MARKDOWN.sub("", text).split())


def marked(text: str, start: str, stop: str) -> SafeString:
    """A snippet the database marked with `sentinels()`: its text escaped, the markers made <mark> elements."""
    html = escape(_tidy(text)).replace(start, "<mark>").replace(stop, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; the only tags are the marks put in place of the sentinels


def highlight(text: str, query_words: list[str], *, length: int = SNIPPET_LENGTH) -> SafeString:
    """A snippet of `text` around the first of `query_words` it holds (any case), escaped, those words marked."""
    text = _tidy(text)
    if not query_words:
        return SafeString(escape(text[:length]))
    pattern = re.compile("|".join(re.escape(word) for word in sorted(query_words, key=len, reverse=True)),
                         re.IGNORECASE)
    first = pattern.search(text)
    begin = 0
    if first and first.start() > length // 3:
        begin = text.rfind(" ", 0, first.start() - length // 3) + 1
    shown = text[begin:begin + length]
    if begin + length < len(text):
        shown = shown[:shown.rfind(" ")] if " " in shown else shown
    parts, end = [], 0
    for match in pattern.finditer(shown):
        parts += [escape(shown[end:match.start()]), "<mark>", escape(match.group()), "</mark>"]
        end = match.end()
    parts.append(escape(shown[end:]))
    html = ("… " if begin else "") + "".join(parts) + (" …" if begin + length < len(text) else "")
    return mark_safe(html)  # noqa: S308 - every piece of the text is escaped; the only tags are the marks
