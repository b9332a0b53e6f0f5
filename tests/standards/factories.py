"""Principles, standards and plans for tests. Standards are made through the services, as people make them."""

from datetime import timedelta

import factory
from django.utils import timezone

from standards.models import Communication, CommunicationPlan, Principle, Standard
from standards.services.catalogue import create_standard
from standards.services.versions import approve_version, submit_version

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


def publish_standard(standard: Standard, *, audience_units=None, approver=None, effective_on=None) -> Standard:
    """Submit the open draft and have it approved (by the standard's approver, else a new CoE staff member)."""
    if audience_units is not None:
        standard.audience_units.set(audience_units)
    version = standard.open_version()
    submit_version(version=version, by=version.created_by)
    approver = approver or standard.approver or UserFactory(coe_staff=True)
    approve_version(version=version, by=approver, effective_on=effective_on)
    standard.refresh_from_db()
    return standard


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunicationPlan

    title = factory.Sequence(lambda n: f"Launch the CX principles {n}")
    objective = "Everyone knows our five principles by the end of the quarter."
    owner = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("owner")
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))


class CommunicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Communication

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"Principles newsletter {n}")
    channel = Communication.Channel.NEWSLETTER
    scheduled_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    owner = factory.SelfAttribute("plan.owner")
    message = "Meet our five CX principles."
