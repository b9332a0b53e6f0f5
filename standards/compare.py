"""A readable word-level comparison of two versions of a standard (and of other things kept in versions)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from django.db import models
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cxcoe.audit import own_field
from cxcoe.lib.text import plain_text

from .models import VERSION_TEXT_FIELDS, StandardVersion

TOKEN = re.compile(r"\s+|[^\s\w]|\w+")


@dataclass(frozen=True)
class FieldChange:
    label: str
    changed: bool
    html: SafeString  # the new text's words with removed words in <del> and added words in <ins>
    formatting_only: bool = False  # the Markdown changed, the words people read did not


def word_diff(old: str, new: str) -> SafeString:
    """Both texts escaped; words only in `old` wrapped in <del>, words only in `new` in <ins>."""
    before, after = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    parts: list[str] = []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(before[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(before[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(after[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above is escaped


def compare_versions(old: StandardVersion, new: StandardVersion) -> list[FieldChange]:
    return compare_fields(old, new, VERSION_TEXT_FIELDS, labels_from=StandardVersion)


def compare_fields(old: Any, new: Any, fields: list[str], *, labels_from: type[models.Model]) -> list[FieldChange]:
    """Each text field of two versions of something, compared as the words a reader sees: the Markdown rendered to
    plain text first, so that "**five**" is not shown as a change of asterisks and a real edit stands out. The
    labels are the verbose names of `labels_from`'s fields."""
    changes = []
    for name in fields:
        before, after = getattr(old, name), getattr(new, name)
        words_before, words_after = plain_text(before or ""), plain_text(after or "")
        label = own_field(labels_from, name).verbose_name
        changes.append(FieldChange(str(label).capitalize(), before != after, word_diff(words_before, words_after),
                                   formatting_only=before != after and words_before == words_after))
    return changes
