from django import template

from ..permissions import can_triage, sections_for

register = template.Library()


@register.inclusion_tag("library/_subnav.html", takes_context=True)
def library_subnav(context, tab: str) -> dict:
    """`{% library_subnav "reviews" %}`: the library tabs this person can use, with `tab` marked current. The
    requests tab is the queue for those who triage it, and their own requests for anyone else."""
    user = context["request"].user
    return {"tab": tab, "sections": sections_for(user), "is_queue": can_triage(user)}
