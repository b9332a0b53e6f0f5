"""The sensible range of each kind of number people type, enforced in the form and by the database.

A model field takes `validators=between(*RANGE)` (its ModelForm shows the message beside the field) and its
model a `range_check(...)` constraint, so a value the form never offers can't reach the table another way
either. Without a range, a huge number reaches the database: SQLite raises OverflowError past 64 bits, and
PostgreSQL refuses anything past the column's type, both as a 500.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

REVIEW_INTERVAL_DAYS = (1, 3650)  # from daily to every ten years
ACKNOWLEDGEMENT_DAYS = (1, 365)
MINUTES = (0, 1440)  # a duration within one day
PEOPLE = (0, 1_000_000)  # a count of people: a large organization, with room
VERSION_NUMBER = (1, 100_000)


def between(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


def range_check(field: str, low: int, high: int, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name)
