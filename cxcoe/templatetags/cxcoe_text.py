from django import template

from ..lib.text import plain_text, render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """`{{ resource.body|markdown }}`: Markdown rendered and sanitized."""
    return render_markdown(text)


@register.filter(name="plain_text")
def plain_text_filter(text: str) -> str:
    """`{{ notification.body|plain_text }}`: Markdown without its syntax, for an email's text part."""
    return plain_text(text)
