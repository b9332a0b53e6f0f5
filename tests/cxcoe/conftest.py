from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def owned_sales(sales, leo):
    """Sales, owned by Leo, due for its review in a week."""
    sales.owner = leo
    sales.next_review_on = timezone.localdate() + timedelta(days=7)
    sales.save()
    return sales
