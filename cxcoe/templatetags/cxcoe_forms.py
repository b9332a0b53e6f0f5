"""Form helpers for templates: the forms sent back with errors, and the scripts and styles the page's forms ask
for."""

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def forms_with_errors(context) -> list:
    """`{% forms_with_errors as refused %}` in partials/_form_errors.html: of the include's `form` and `also` (the
    forms of one <form> element, for one error summary), those sent back with errors. Read from the context, as
    `also` is mostly not given, and a filter's missing argument is an error in Django."""
    return [each for each in (context.get("form"), context.get("also")) if getattr(each, "errors", None)]


@register.simple_tag(takes_context=True)
def form_media(context) -> SafeString:
    """`{% form_media %}` in base.html's head: the Media of every form the page was given, each file once. Tom Select
    for a page with a picker (cxcoe/lib/pickers.py), nothing on the others, so no page loads what it does not use."""
    media = forms.Media()
    for layer in context.dicts:
        for value in layer.values():
            if isinstance(value, forms.BaseForm):
                media += value.media
    return media.render()
