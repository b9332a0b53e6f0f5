from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

register = template.Library()


@register.filter
def html_datetime(moment: datetime | None) -> str:
    """A <time> element's machine value: the moment in the current time zone, to the second. HTML allows at most
    three decimals of a second, and Python's isoformat gives six."""
    if moment is None:
        return ""
    return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).isoformat(timespec="seconds")


@register.simple_tag
def timestamp(moment: datetime | None, css: str = ""):
    """`{% timestamp event.created_at %}`: a moment as people read it, in a <time> element."""
    if moment is None:
        return ""
    shown = date_format(timezone.localtime(moment) if timezone.is_aware(moment) else moment, "DATETIME_FORMAT")
    return format_html('<time{} datetime="{}">{}</time>', format_html(' class="{}"', css) if css else "",
                       html_datetime(moment), shown)
