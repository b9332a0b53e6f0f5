"""A form sent twice saves one row: Olivia's resend, her second tab, and two requests at once."""

import threading
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxcoe.lib.submissions import KEEP_FOR, ONCE_FIELD
from cxcoe.models import BusinessUnit, FormSubmission, ImportJob, ReviewRecord
from standards.models import CommunicationPlan, Principle

from ..permissions import url_of
from ..standards.factories import PlanFactory, plan_form


def _token(client, url) -> str:
    return str(client.get(url).context["form"][ONCE_FIELD].value())


def _plan_data(token, **extra):
    """The new plan form, owned by Olivia, sent with its once-only token."""
    return plan_form(**{ONCE_FIELD: token, "owner_email": "olivia@acme.example", **extra})


def test_a_resent_new_plan_form_shows_the_plan_already_made(client, olivia):
    client.force_login(olivia)
    url = reverse("standards:plan-create")
    token = _token(client, url)
    first = client.post(url, _plan_data(token))
    plan = CommunicationPlan.objects.get()
    assert first.url == plan.get_absolute_url()
    again = client.post(url, _plan_data(token, title="Launch the principles, again"), follow=True)
    assert CommunicationPlan.objects.count() == 1
    assert again.redirect_chain[0][0] == plan.get_absolute_url()
    assert "This was already saved" in again.content.decode()


def test_each_new_form_gets_its_own_token_and_saves_its_own_row(client, olivia):
    client.force_login(olivia)
    url = reverse("standards:plan-create")
    first, second = _token(client, url), _token(client, url)
    assert first != second
    client.post(url, _plan_data(first))
    client.post(url, _plan_data(second, title="A second plan"))
    assert CommunicationPlan.objects.count() == 2


def test_a_refused_form_keeps_its_token_for_the_corrected_send(client, olivia):
    client.force_login(olivia)
    url = reverse("standards:plan-create")
    token = _token(client, url)
    refused = client.post(url, _plan_data(token, title=""))
    assert refused.status_code == 200
    assert refused.context["form"][ONCE_FIELD].value() == token
    assert not FormSubmission.objects.exists()
    client.post(url, _plan_data(token))
    assert CommunicationPlan.objects.count() == 1


def test_a_form_without_a_token_saves_as_before(client, olivia):
    client.force_login(olivia)
    url = reverse("standards:plan-create")
    client.post(url, _plan_data(""))
    client.post(url, _plan_data("not-a-token"))
    assert CommunicationPlan.objects.count() == 2


def test_a_resent_standard_is_not_refused_for_its_own_code(client, olivia):
    principle = Principle.objects.create(title="We make it easy", statement="Easy.")
    client.force_login(olivia)
    url = reverse("standards:standard-create")
    token = str(client.get(url).context["settings_form"][ONCE_FIELD].value())
    data = {ONCE_FIELD: token, "standard-code": "CX-STD-001", "standard-principle": principle.pk,
            "standard-audience_role": "everyone", "standard-ack_days": 30, "standard-joiner_ack_days": 14,
            "standard-review_interval_days": 365, "version-title": "Answer within a day",
            "version-statement": "Reply within one working day.", "version-rationale_customers": "Nobody waits."}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert "This was already saved" in again.content.decode()
    assert "Another standard already has the code" not in again.content.decode()


def test_every_create_page_issues_a_token(client, olivia):
    plan = PlanFactory(owner=olivia)
    client.force_login(olivia)
    for url, form in [(reverse("unit-create"), "form"), (reverse("import-list"), "form"),
                      (reverse("standards:standard-create"), "settings_form"),
                      (reverse("standards:principle-create"), "form"), (reverse("standards:plan-create"), "form"),
                      (reverse("standards:communication-create", args=[plan.pk]), "form")]:
        page = client.get(url)
        token = page.context[form][ONCE_FIELD].value()
        assert f'name="{ONCE_FIELD}" value="{token}"' in page.content.decode(), url


def test_edit_forms_carry_no_token(client, olivia):
    plan = PlanFactory(owner=olivia)
    client.force_login(olivia)
    assert ONCE_FIELD not in client.get(reverse("standards:plan-edit", args=[plan.pk])).context["form"].fields


def test_a_resent_unit_and_import_save_once(client, olivia, acme):
    client.force_login(olivia)
    url = reverse("unit-create")
    token = _token(client, url)
    data = {ONCE_FIELD: token, "code": "MKT", "name": "Marketing", "parent": acme.pk, "is_active": "on"}
    client.post(url, data)
    client.post(url, data)
    assert BusinessUnit.objects.filter(code="MKT").count() == 1
    url = reverse("import-list")
    token = _token(client, url)
    for _ in range(2):
        upload = ("units.csv", b"code,name,parent_code,leader_emails\nMKT2,Marketing 2,ACME,\n")
        client.post(url, {ONCE_FIELD: token, "units_file": SimpleUploadedFile(*upload, content_type="text/csv")})
    assert ImportJob.objects.count() == 1


def test_old_tokens_go_when_a_new_one_is_spent(client, olivia):
    old = FormSubmission.objects.create(token="00000000-0000-4000-8000-000000000000", by=olivia,
                                        created_at=timezone.now() - KEEP_FOR - timedelta(days=1))
    recent = FormSubmission.objects.create(token="00000000-0000-4000-8000-000000000001", by=olivia)
    client.force_login(olivia)
    url = reverse("standards:plan-create")
    client.post(url, _plan_data(_token(client, url)))
    assert not FormSubmission.objects.filter(pk=old.pk).exists()
    assert FormSubmission.objects.filter(pk=recent.pk).exists()
    assert FormSubmission.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_tabs_sending_the_same_new_plan_at_once_make_one_plan(olivia):
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    url = reverse("standards:plan-create")
    setup = Client()
    setup.force_login(olivia)
    token = _token(setup, url)
    barrier, statuses = threading.Barrier(2), []

    def send():
        client = Client()
        client.force_login(olivia)
        try:
            barrier.wait()
            statuses.append(client.post(url, _plan_data(token)).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert CommunicationPlan.objects.count() == 1
    assert FormSubmission.objects.get().target_id == str(CommunicationPlan.objects.get().pk)


def test_a_resent_review_records_one_review(client, leo, sales):
    sales.owner, sales.next_review_on = leo, timezone.localdate()
    sales.save()
    client.force_login(leo)
    token = str(client.get(reverse("unit-detail", args=[sales.pk])).context["review_form"][ONCE_FIELD].value())
    data = {ONCE_FIELD: token, "outcome": "confirmed", "note": "Leaders and people are right."}
    client.post(reverse("unit-review", args=[sales.pk]), data)
    next_review = BusinessUnit.objects.get(pk=sales.pk).next_review_on
    again = client.post(reverse("unit-review", args=[sales.pk]), data, follow=True)
    assert again.redirect_chain[0][0] == sales.get_absolute_url()
    assert "This was already saved" in again.content.decode()
    assert ReviewRecord.objects.filter(object_id=sales.pk).count() == 1
    assert BusinessUnit.objects.get(pk=sales.pk).next_review_on == next_review


def test_every_create_page_issues_a_one_time_token(client, olivia, matrix_objects):
    """A page named app:noun-create (STYLE.md) saves a new row: without the token a resend would save it twice,
    so a create page of a later app fails here until it uses cxcoe.lib.forms.OnceFormMixin and renders the field."""
    from ..test_permission_matrix import MATRIX, project_url_names

    client.force_login(olivia)
    create_pages = sorted(name for name in project_url_names() if name.endswith("-create"))
    assert "standards:plan-create" in create_pages
    for name in create_pages:
        page = client.get(url_of(name, MATRIX[name], matrix_objects))
        assert f'name="{ONCE_FIELD}"' in page.text, f"{name} has no one-time token"
