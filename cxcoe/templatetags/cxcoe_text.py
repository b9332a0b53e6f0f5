from django import template

from ..lib.text import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """`{{ resource.body|markdown }}`: Markdown rendered and sanitized."""
    return render_markdown(text)
