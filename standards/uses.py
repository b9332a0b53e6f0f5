"""Where a standard is used: the apps that link to standards (the library's resources, later training) tell its page
what still has to catch up with its latest version, without the standards app importing them.

An app registers a provider from its AppConfig.ready(); the standard's page asks each, in the order registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cxcoe.models import User

from .models import Standard


@dataclass(frozen=True)
class Use:
    """Something that links to the standard and has not been checked against its latest version."""

    kind: str  # what it is, in words: "Library resource"
    title: str
    url: str
    owner: str  # who is asked to check it


@dataclass(frozen=True)
class Uses:
    label: str  # the heading of the group: "Library resources to check"
    items: list[Use]
    count: int  # all of them, of which `items` are the first
    list_url: str = ""  # the list of all of them


PROVIDERS: list[Callable[[Standard, User], Uses]] = []


def register(provider: Callable[[Standard, User], Uses]) -> None:
    PROVIDERS.append(provider)


def to_check(standard: Standard, user: User) -> list[Uses]:
    """What still carries a "linked standard changed" flag for this standard, among what `user` may see."""
    return [uses for uses in (provider(standard, user) for provider in PROVIDERS) if uses.count]
