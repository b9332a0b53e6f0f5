"""Every change to people and business units that matters goes through here."""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Length, Replace, Substr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import audit, reviews
from ..audit import record_event
from ..lib.edits import check_names, save_edit
from ..models import COE_STAFF_GROUP, BusinessUnit, User
from ..notifications import absolute, reminders

UNIT_TREE_LOCK = 4_210_001  # any constant, unique among the project's advisory locks


def lock_unit_tree() -> None:
    """Serialize changes to the shape of the unit tree, so two concurrent moves can't make a loop.

    PostgreSQL: a transaction-scoped advisory lock. SQLite runs write transactions one at a time anyway
    (`transaction_mode=IMMEDIATE` in settings).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [UNIT_TREE_LOCK])


def coe_staff_group() -> Group:
    group, _created = Group.objects.get_or_create(name=COE_STAFF_GROUP)
    return group


@transaction.atomic
def set_coe_staff(*, person: User, is_staff: bool, by: User | None) -> bool:
    """Grant or revoke the CoE staff role. Returns whether anything changed."""
    group = coe_staff_group()
    has_role = person.groups.filter(pk=group.pk).exists()
    if has_role == is_staff:
        return False
    if is_staff:
        person.groups.add(group)
    else:
        person.groups.remove(group)
    person.__dict__.pop("is_coe_staff", None)
    record_event(actor=by, verb="role.granted" if is_staff else "role.revoked", target=person,
                 details={"role": COE_STAFF_GROUP})
    return True


# What a person's record can change: the profile and person forms, and the site admin, which alone also
# changes the site's own access (its staff flag, superuser and permissions). The CoE staff role, leading a
# unit and deactivation have their own services.
PERSON_FIELDS = ["email", "display_name", "business_unit", "job_title", "time_zone", "date_style"]
SITE_ADMIN_FIELDS = ["is_staff", "is_superuser", "user_permissions"]


@transaction.atomic
def update_person(*, person: User, by: User, is_coe_staff: bool | None = None, **values) -> list[str]:
    """Change a person's record (and CoE staff role); returns the names of what changed."""
    check_names(values, [*PERSON_FIELDS, *SITE_ADMIN_FIELDS], service="update_person")
    person = User.objects.select_for_update().get(pk=person.pk)
    role_changed = is_coe_staff is not None and set_coe_staff(person=person, is_staff=is_coe_staff, by=by)
    before = audit.values(person, values)
    changed = audit.changed(User, before, values)
    if not changed:
        return ["is_coe_staff"] if role_changed else []
    many = [name for name in changed if User._meta.get_field(name).many_to_many]
    for name in changed:
        if name not in many:
            setattr(person, name, values[name])
    person.full_clean(exclude=["password", *many])
    person.save(update_fields=[name for name in changed if name not in many])
    for name in many:
        getattr(person, name).set(values[name])
    if "email" in changed:
        # allauth also signs people in by the addresses it keeps; the old one must stop working.
        EmailAddress.objects.filter(user=person).exclude(email__iexact=person.email).delete()
        verify_directory_address(person=person)
    record_event(actor=by, verb="person.updated", target=person, details=audit.changes(User, before, values))
    return [*changed, "is_coe_staff"] if role_changed else changed


def verify_directory_address(*, person: User) -> None:
    """Mark the address on a person's record as verified for allauth, unless allauth already keeps it.

    The record's address comes from the organization (the people import, CoE staff, a site admin), which
    vouches for it. Single sign-on links a provider account by a verified address and would otherwise
    wipe the password of an address it doesn't know. An address someone registered themselves (open
    sign-up) has a row of its own, left as it is.
    """
    if not EmailAddress.objects.filter(user=person, email__iexact=person.email).exists():
        EmailAddress.objects.create(user=person, email=person.email, verified=True,
                                    primary=not EmailAddress.objects.filter(user=person, primary=True).exists())


def _end_sessions(queryset) -> None:
    """Sessions carry a hash of the password, so a new unusable password signs the person out everywhere."""
    queryset.update(password=make_password(None))


def _step_down(person_ids: list[int]) -> dict[int, list[str]]:
    """A person who leaves stops leading units (escalations go to CoE staff instead); returns the codes."""
    leadership = BusinessUnit.leaders.through.objects.filter(user_id__in=person_ids)
    led: dict[int, list[str]] = {}
    for user_id, code in leadership.values_list("user_id", "businessunit__code"):
        led.setdefault(user_id, []).append(code)
    leadership.delete()
    return led


@transaction.atomic
def deactivate_person(*, person: User, by: User | None, reason: str = "") -> bool:
    """Take away a person's access and end their sessions. Their records and history stay."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        return False
    if by is not None and person.pk == by.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    User.objects.filter(pk=person.pk).update(is_active=False, deactivated_at=timezone.now())
    _end_sessions(User.objects.filter(pk=person.pk))
    details: dict = {"reason": reason} if reason else {}
    if led := _step_down([person.pk]).get(person.pk):
        details["no_longer_leads"] = led
    reminders.cancel_for_people([person.pk])
    if handed_back := reviews.hand_back_to_coe(person_ids=[person.pk]):
        details["items_handed_to_coe"] = handed_back
    record_event(actor=by, verb="person.deactivated", target=person, details=details)
    return True


@transaction.atomic
def deactivate_people(*, people, by: User | None, reason: str) -> int:
    """Deactivate many people at once (a full import); one audit event each."""
    targets = list(people.filter(is_active=True).select_for_update())
    if not targets:
        return 0
    ids = [person.pk for person in targets]
    User.objects.filter(pk__in=ids).update(is_active=False, deactivated_at=timezone.now())
    _end_sessions(User.objects.filter(pk__in=ids))
    led = _step_down(ids)
    reminders.cancel_for_people(ids)
    reviews.hand_back_to_coe(person_ids=ids)
    audit.record_events(
        audit.event(actor=by, verb="person.deactivated", target=person,
                    details={"reason": reason, **({"no_longer_leads": led[person.pk]} if person.pk in led else {})})
        for person in targets
    )
    return len(targets)


@transaction.atomic
def reactivate_person(*, person: User, by: User) -> bool:
    """Give access back. Deactivation made the password unusable, so the person is emailed a link to set one
    (someone who signs in by SSO can ignore it)."""
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_active:
        return False
    User.objects.filter(pk=person.pk).update(is_active=True, deactivated_at=None)
    record_event(actor=by, verb="person.reactivated", target=person)
    transaction.on_commit(lambda: send_password_link(User.objects.get(pk=person.pk)))
    return True


def password_link_days() -> int:
    """How many days the link to set a password stays valid (Django's PASSWORD_RESET_TIMEOUT)."""
    return settings.PASSWORD_RESET_TIMEOUT // 86400


def send_password_link(person: User) -> None:
    """Email `person` a one-time link to set their password: allauth's reset link, valid for
    PASSWORD_RESET_TIMEOUT and spent once the password changes."""
    key = default_token_generator.make_token(person)
    link = absolute(reverse("account_reset_password_from_key",
                            kwargs={"uidb36": user_pk_to_url_str(person), "key": key}))
    context = {"person": person, "link": link, "days": password_link_days()}
    message = EmailMultiAlternatives(subject=_("Your cxcoe account is active again: set a password"),
                                     body=render_to_string("email/access_restored.txt", context), to=[person.email])
    message.attach_alternative(render_to_string("email/access_restored.html", context), "text/html")
    message.send()


# What the unit form changes. The code is a unit's key in imports: it is given once, never changed.
UNIT_FIELDS = ["name", "parent", "is_active", "owner", "review_interval_days", "next_review_on"]


def _place(unit: BusinessUnit) -> None:
    unit.path = BusinessUnit.path_for(unit.code, unit.parent)
    unit.depth = unit.path.count("/") - 2


@transaction.atomic
def create_unit(*, by: User | None, code: str, leaders=None, **values) -> BusinessUnit:
    check_names(values, UNIT_FIELDS, service="create_unit")
    lock_unit_tree()
    unit = BusinessUnit(code=code, **values)
    _place(unit)
    unit.save()
    record_event(actor=by, verb="unit.created", target=unit,
                 details={"code": unit.code, "parent": unit.parent.code if unit.parent else ""})
    if leaders is not None:
        set_unit_leaders(unit=unit, leaders=leaders, by=by)
    return unit


@transaction.atomic
def update_unit(*, unit: BusinessUnit, by: User | None, leaders=None, **values) -> BusinessUnit:
    """Change a unit. A new parent moves the whole subtree with one UPDATE of the paths."""
    lock_unit_tree()
    unit = BusinessUnit.objects.select_for_update().get(pk=unit.pk)
    old_path = unit.path
    parent = values.get("parent", unit.parent)
    if parent is not None and BusinessUnit.objects.get(pk=parent.pk).path.startswith(old_path):
        raise ValidationError({"parent": _("A unit cannot sit below itself or one of its own units.")})
    edit = save_edit(unit, values, fields=UNIT_FIELDS, service="update_unit")
    if "parent" in edit:
        _place(unit)
        unit.save(update_fields=["path", "depth"])
        BusinessUnit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(unit.path), Substr("path", len(old_path) + 1)),
        )
        BusinessUnit.objects.filter(path__startswith=unit.path).update(
            depth=Length("path") - Length(Replace("path", Value("/"), Value(""))) - 2
        )
    if "owner" in edit:
        # The old owner's pending reminders stop; the next sweep reminds the new owner.
        unit.owner_flagged = False
        unit.save(update_fields=["owner_flagged"])
        reminders.cancel_for_target(unit, kinds=[reviews.REVIEW_DUE, reviews.REVIEW_ESCALATION])
    if edit:
        record_event(actor=by, verb="unit.updated", target=unit, details=edit.details)
    if leaders is not None:
        set_unit_leaders(unit=unit, leaders=leaders, by=by)
    return unit


@transaction.atomic
def set_unit_leaders(*, unit: BusinessUnit, leaders, by: User | None) -> bool:
    before = dict(unit.leaders.values_list("pk", "email"))
    after = {leader.pk: leader.email for leader in leaders}
    if before.keys() == after.keys():
        return False
    unit.leaders.set(after)
    record_event(actor=by, verb="role.leaders_changed", target=unit,
                 details={"added": sorted(after[pk] for pk in after.keys() - before.keys()),
                          "removed": sorted(before[pk] for pk in before.keys() - after.keys())})
    return True
