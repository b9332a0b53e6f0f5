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
