from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def mail_address_breaks(address: str) -> SafeString:
    """An address that may wrap before its @ on a narrow screen, rather than anywhere inside a word."""
    return mark_safe(escape(address).replace("@", "<wbr>@"))  # noqa: S308 - escaped just before
