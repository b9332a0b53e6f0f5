from django import template

from ..permissions import sections_for

register = template.Library()


@register.inclusion_tag("standards/_subnav.html", takes_context=True)
def standards_subnav(context, tab: str) -> dict:
    """`{% standards_subnav "plans" %}`: the standards tabs this person can use, with `tab` marked current."""
    return {"tab": tab, "sections": sections_for(context["request"].user)}
