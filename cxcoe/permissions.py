"""Who may do what. Views use these decorators; object scope comes from `visible_to` QuerySets."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied


def is_coe_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_coe_staff)


def is_leader(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_leader)


def can_view_dashboard(user) -> bool:
    return is_coe_staff(user) or is_leader(user)


def can_manage_people(user) -> bool:
    return is_coe_staff(user)


def oversees(user, unit) -> bool:
    """CoE staff, and the leaders of `unit` or of a unit above it: who follows up on the unit's people, seeing what
    waits on them (cxcoe/people/open_items.py) and reminding them (standards.permissions.can_follow_up). A unit's
    review owner sees who is in it, to confirm that, not their work."""
    return is_coe_staff(user) or any(unit.path.startswith(led.path) for led in user.units_led)


def can_preview_markdown(user) -> bool:
    """Anyone signed in: any active person may own a standard, a plan or a communication and so write its Markdown,
    and a preview reads nothing but the text it is sent."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_look_up_people(user) -> bool:
    """Searching the directory by name (the person pickers): CoE staff, who fill in the forms that name people (owners,
    approvers, leaders). Anyone else types an address: the directory is not theirs to browse."""
    return is_coe_staff(user)


def can_read_sent_mail(user, email, *, site_admin_addresses: set[str]) -> bool:
    """CoE staff read the embedded mode's mail, except mail to a site admin (a password reset link, say), which
    only site admins read: it would let CoE staff into an account they may not manage."""
    return is_coe_staff(user) and (user.is_superuser or not email.recipients & site_admin_addresses)


def can_review(user, item) -> bool:
    """A review-cycle item (cxcoe/reviews/) is reviewed by CoE staff and by its owner."""
    return user.is_coe_staff or (item.owner_id is not None and item.owner_id == user.pk)


def can_retire(user, item) -> bool:
    """Retiring through a review: its reviewers, unless the item's model leaves that to CoE staff."""
    return can_review(user, item) and (user.is_coe_staff or not item.retire_needs_coe_staff)


def _requires(check):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


coe_staff_required = _requires(is_coe_staff)
dashboard_access_required = _requires(can_view_dashboard)
markdown_preview_required = _requires(can_preview_markdown)
people_lookup_required = _requires(can_look_up_people)
