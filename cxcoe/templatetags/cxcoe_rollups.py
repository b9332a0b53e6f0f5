from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("partials/_counted_at.html")
def counted_at(rollup):
    """One line under a rolled-up figure (cxcoe/lib/rollups.py): when it was counted, and how often it is."""
    return {"counted_at": rollup.counted_at, "minutes": settings.CXCOE_ROLLUP_EVERY_MINUTES}
