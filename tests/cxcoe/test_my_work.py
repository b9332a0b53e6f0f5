"""My work, per role."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cxcoe.notifications import reminders

from ..factories import UserFactory


def _home(client, person):
    client.force_login(person)
    return client.get(reverse("home"))


# Reviews due: one's own, those with no owner for the CoE, and the overdue reviews escalated to one


def test_an_overdue_review_escalated_to_olivia_is_in_her_reviews_due(client, olivia, support, acme):
    nadia = UserFactory(email="nadia@acme.example", display_name="Nadia Brooks", business_unit=support,
                        leads=[support])
    today = timezone.localdate()
    support.owner, support.next_review_on = nadia, today - timedelta(days=16)
    support.save()
    acme.next_review_on = today + timedelta(days=200)  # nobody's, but not due
    acme.save()
    reminders.run_sweep(name="reviews", today=today)
    reminders.send_reminders()
    assert "Overdue review: Customer Support" in [note.title for note in olivia.notifications.all()]
    response = _home(client, olivia)
    assert response.context["reviews_due"] == [support]
    assert "overdue since" in response.content.decode()
    client.force_login(nadia)  # her own, overdue
    assert client.get(reverse("home")).context["reviews_due"] == [support]


def test_a_review_recorded_leaves_the_escalated_reviews_due(client, olivia, support):
    nadia = UserFactory(email="nadia@acme.example", business_unit=support, leads=[support])
    support.owner, support.next_review_on = nadia, timezone.localdate() - timedelta(days=20)
    support.save()
    reminders.run_sweep(name="reviews")
    client.force_login(olivia)
    client.post(reverse("unit-review", args=[support.pk]), {"outcome": "confirmed"})
    assert client.get(reverse("home")).context["reviews_due"] == []
