"""The people and objects the standards tests share. The organization and its named people (Olivia, Leo, Amir,
Bianca, Eve, Una...) come from tests/conftest.py; Oscar is the standards' second CoE staff member, who approves
what Olivia writes."""

import pytest

from ..factories import UserFactory
from .factories import PrincipleFactory


@pytest.fixture
def oscar(acme):
    return UserFactory(email="oscar@acme.example", display_name="Oscar Lind", business_unit=acme, coe_staff=True)


@pytest.fixture
def principle(db):
    return PrincipleFactory(title="We answer fast")
