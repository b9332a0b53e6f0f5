"""The people and objects the standards tests share. The organization and its named people (Olivia, Leo, Amir,
Bianca, Eve, Una...) come from tests/conftest.py; Oscar is the standards' second CoE staff member, who approves
what Olivia writes."""

import pytest

from ..factories import UserFactory
from .factories import PrincipleFactory, StandardFactory, publish_standard


@pytest.fixture
def oscar(acme):
    return UserFactory(email="oscar@acme.example", display_name="Oscar Lind", business_unit=acme, coe_staff=True)


@pytest.fixture
def principle(db):
    return PrincipleFactory(title="We answer fast")


@pytest.fixture
def write_standard(olivia, principle):
    """Olivia writes a standard she owns, "Answer within one working day", under the principle:
    `write_standard("CX-STD-010", **settings)` gives its first draft."""
    def write(code: str, **settings):
        return StandardFactory(code=code, title="Answer within one working day", principle=principle, author=olivia,
                               owner=olivia, **settings)
    return write


@pytest.fixture
def support_standard(write_standard, oscar, support, bianca, eve):
    """CX-STD-020 for Customer Support, published today: Bianca and Eve are asked to acknowledge it by the 30th day.
    The approval request and the decision have gone out, and the test outbox is empty."""
    return publish_standard(write_standard("CX-STD-020", requires_acknowledgement=True, audience_units=[support]),
                            approver=oscar, deliver_notifications=True)


@pytest.fixture
def everyone_standard(olivia, oscar, leo, amir, bianca, eve, una, sales, enterprise_sales, support, operations):
    """CX-STD-110, published for the whole organization, every named person in it asked to acknowledge."""
    return publish_standard(StandardFactory(code="CX-STD-110", title="Use the customer's name",
                                            principle=PrincipleFactory(), author=olivia, owner=olivia,
                                            requires_acknowledgement=True), approver=oscar)
