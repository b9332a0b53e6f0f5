"""Principles, standards and plans for tests. Standards are made through the services, as people make them."""

from datetime import timedelta

import factory
from django.core import mail
from django.utils import timezone

from cxcoe.notifications import reminders
from standards.models import Communication, CommunicationPlan, Principle, Standard, StandardVersion
from standards.services.catalogue import create_standard
from standards.services.versions import approve_version, save_draft, start_revision, submit_version

from ..factories import UserFactory


class PrincipleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Principle

    title = factory.Sequence(lambda n: f"We make it easy {n}")
    statement = "Customers get what they came for without effort."
    position = factory.Sequence(lambda n: n)


class StandardFactory(factory.django.DjangoModelFactory):
    """A standard with its first draft. `author` writes the draft (a new CoE staff member by default)."""

    class Meta:
        model = Standard

    code = factory.Sequence(lambda n: f"CX-STD-{n:03d}")
    principle = factory.SubFactory(PrincipleFactory)
    title = factory.Sequence(lambda n: f"Answer within one working day {n}")

    @classmethod
    def _create(cls, model_class, *args, author=None, audience_units=(), statement="Reply to every customer "
                "message within one working day.", **kwargs):
        author = author or UserFactory(coe_staff=True)
        version = {"title": kwargs.pop("title"), "statement": statement, "rationale_customers": "Nobody likes waiting.",
                   "metric": "Replies within 24 h", "target": "95%", "data_source": "Helpdesk report"}
        return create_standard(by=author, version=version, audience_units=audience_units, **kwargs)


def publish_standard(standard: Standard, *, approver=None, audience_units=None, effective_on=None, today=None,
                     deliver_notifications: bool = False) -> Standard:
    """Submit the open draft (by whoever wrote it) and have it approved: by `approver`, else the standard's own
    approver, else a new CoE staff member. `audience_units` set the audience first; `effective_on` and `today`
    go to the approval. With `deliver_notifications`, the approval request and the decision are sent at once and
    the test outbox emptied, so that what a test then counts in the ledger and the outbox is its own."""
    if audience_units is not None:
        standard.audience_units.set(audience_units)
    version = standard.open_version()
    submit_version(version=version, by=version.created_by)
    approver = approver or standard.approver or UserFactory(coe_staff=True)
    approve_version(version=version, by=approver, effective_on=effective_on, today=today)
    standard.refresh_from_db()
    if deliver_notifications:
        reminders.send_reminders()
        mail.outbox.clear()
    return standard


def revise_standard(standard: Standard, by, *, submit: bool = False, approver=None, effective_on=None, today=None,
                    **text) -> StandardVersion:
    """`by` starts the next version and saves `text` in it (the change summary is "Clearer wording" unless given).
    With `submit` it waits for approval; with an `approver` it is published (publish_standard) and the standard
    read again."""
    version = save_draft(version=start_revision(standard=standard, by=by), by=by,
                         **{"change_summary": "Clearer wording", **text})
    if approver is not None:
        publish_standard(standard, approver=approver, effective_on=effective_on, today=today)
        version.refresh_from_db()
    elif submit:
        submit_version(version=version, by=by)
    return version


def nina_joins(unit):
    """Nina Berg joins `unit` now, after what a test published: she is a joiner, not yet asked."""
    return UserFactory(email="nina@acme.example", display_name="Nina Berg", business_unit=unit)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunicationPlan

    title = factory.Sequence(lambda n: f"Launch the CX principles {n}")
    objective = "Everyone knows our five principles by the end of the quarter."
    owner = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("owner")
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))


def plan_form(**fields) -> dict:
    """What the new plan form sends for "Launch the principles", owned by Leo, for the next 60 days; `fields`
    change or add to it."""
    today = timezone.localdate()
    return {"title": "Launch the principles", "objective": "Everyone knows them.", "owner_email": "leo@acme.example",
            "audience_role": "everyone", "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=60)).isoformat(), **fields}


class CommunicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Communication

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"Principles newsletter {n}")
    channel = Communication.Channel.NEWSLETTER
    scheduled_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    owner = factory.SelfAttribute("plan.owner")
    message = "Meet our five CX principles."
