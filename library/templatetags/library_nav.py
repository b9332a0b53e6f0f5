from django import template

from ..permissions import sections_for

register = template.Library()


@register.inclusion_tag("library/_subnav.html", takes_context=True)
def library_subnav(context, tab: str) -> dict:
    """`{% library_subnav "reviews" %}`: the library tabs this person can use, with `tab` marked current."""
    return {"tab": tab, "sections": sections_for(context["request"].user)}
