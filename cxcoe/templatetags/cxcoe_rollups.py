from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("partials/_counted_at.html")
def counted_at(rollup):
    """One line under a rolled-up figure (cxcoe/lib/rollups.py): when it was counted, and how often it is."""
    just_now = timezone.now() - rollup.counted_at < timedelta(minutes=1)
    return {"counted_at": rollup.counted_at, "just_now": just_now, "minutes": settings.CXCOE_ROLLUP_EVERY_MINUTES}
