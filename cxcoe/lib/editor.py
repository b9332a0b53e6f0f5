"""The Markdown editor: a text box with Write and Preview, whose preview is the server's own rendering.

The preview is rendered by cxcoe.lib.text.render_markdown, the code that renders the text once saved, so it shows
exactly what readers will see, sanitizing included (a client-side Markdown library would render some text
differently from it). Two ways to get it, both through templates/partials/_markdown_preview.html:

- with JavaScript, Preview posts the field's text to `markdown_preview` below (htmx), and shows the answer in place
  of the text box; Write brings the text box back, the text as it was (static/js/cxcoe.js);
- without it, Preview is a submit button named PREVIEW_FIELD: every form of the request
  (cxcoe.lib.forms.BootstrapFormMixin) is then neither cleaned nor valid, so the view saves nothing and shows the
  form again, as it was typed, with the preview of each Markdown field under its text box.
"""

from typing import TYPE_CHECKING

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from ..permissions import markdown_preview_required
from .text import MARKDOWN_MAX_LENGTH
from .types import AuthenticatedRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PREVIEW_FIELD = "_preview"


def preview_context(text: str) -> dict:
    """What partials/_markdown_preview.html shows for this text."""
    return {"text": text, "too_long": len(text) > MARKDOWN_MAX_LENGTH, "max_length": MARKDOWN_MAX_LENGTH}


class MarkdownTextarea(forms.Textarea):
    """The Markdown editor: `forms.Textarea`'s arguments (`attrs={"rows": 4}`), with Write and Preview tabs, the
    Markdown hint (tied to the box by aria-describedby, after its error and help) and the preview box.

    BootstrapFormMixin gives it its field's label (for the tabs' names) and whether the request is a preview, and
    holds its field to MARKDOWN_MAX_LENGTH characters, the most the preview renders.
    """

    template_name = "partials/_markdown_editor.html"
    label: "StrOrPromise" = ""
    previewing = False

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        box_id = widget["attrs"].get("id") or name
        hint_id = f"{box_id}_markdown"
        widget["attrs"]["aria-describedby"] = " ".join(filter(None, [widget["attrs"].get("aria-describedby"), hint_id]))
        widget.update(label=self.label, hint_id=hint_id, preview_id=f"{box_id}_preview", previewing=self.previewing,
                      preview=preview_context(widget["value"] or "") if self.previewing else None,
                      shown=_("Preview of %(field)s, as it will be shown.") % {"field": self.label or _("the text")})
        return context


@require_POST
@markdown_preview_required
def markdown_preview(request: AuthenticatedRequest) -> HttpResponse:
    """The text of the form field named by `field`, as it will be shown; too long a text answers 413."""
    text = request.POST.get(request.POST.get("field", ""), "")
    context = preview_context(text)
    return render(request, "partials/_markdown_preview.html", context, status=413 if context["too_long"] else 200)
