import re
import zoneinfo
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cxcoe.audit import describe
from cxcoe.models import AuditEvent, User
from cxcoe.people import forms, services

from ..factories import UserFactory
from ..steps import csv_lines


def test_people_list_searches_name_email_and_title(client, olivia, amir, bianca, eve):
    client.force_login(olivia)
    response = client.get(reverse("person-list"), {"q": "haddad"})
    assert [p.email for p in response.context["people"]] == ["amir@acme.example"]


def test_too_long_a_search_is_named_beside_the_box_and_filters_nothing(client, olivia, amir):
    client.force_login(olivia)
    response = client.get(reverse("person-list"), {"q": "x" * 60_000})
    assert response.status_code == 200
    assert response.context["filters"].errors["q"] == ["Ensure this value has at most 200 characters (it has 60000)."]
    assert "amir@acme.example" in {p.email for p in response.context["people"]}
    assert list(client.get(reverse("unit-list"), {"q": "x" * 60_000}).context["units"]) == []


def test_people_list_filters_by_unit_subtree(client, olivia, leo, amir, bianca, sales):
    client.force_login(olivia)
    response = client.get(reverse("person-list"), {"unit": sales.pk})
    assert {p.email for p in response.context["people"]} == {"leo@acme.example", "amir@acme.example"}


def test_people_list_filters_by_role_and_hides_deactivated_by_default(client, olivia, leo, amir):
    services.deactivate_person(person=amir, by=olivia)
    client.force_login(olivia)
    assert [p.email for p in client.get(reverse("person-list"), {"role": "leader"}).context["people"]] == [
        "leo@acme.example"
    ]
    assert "amir@acme.example" not in {p.email for p in client.get(reverse("person-list")).context["people"]}
    inactive = client.get(reverse("person-list"), {"status": "inactive"}).context["people"]
    assert [p.email for p in inactive] == ["amir@acme.example"]


def test_people_list_htmx_request_returns_only_the_table(client, olivia, amir):
    client.force_login(olivia)
    response = client.get(reverse("person-list"), {"q": "amir"}, headers={"HX-Request": "true"})
    assert "<html" not in response.text
    assert "Amir Haddad" in response.text


def test_people_export_follows_the_filters_and_neutralises_formulas(client, olivia, amir):
    UserFactory(email="mallory@acme.example", display_name="=HYPERLINK(\"http://x\")", business_unit=amir.business_unit)
    client.force_login(olivia)
    lines = csv_lines(client.get(reverse("person-export"), {"unit": amir.business_unit_id}))
    assert lines[0] == "email,display_name,bu_code,job_title,roles"
    assert "amir@acme.example,Amir Haddad,SAL-01,Account Executive," in lines
    assert any(line.startswith("mallory@acme.example,\"'=HYPERLINK") for line in lines)
    assert len(lines) == 3


def test_edit_person_changes_fields_and_role_and_audits_both(client, olivia, amir, support):
    client.force_login(olivia)
    response = client.post(reverse("person-edit", args=[amir.pk]), {
        "display_name": "Amir H.", "email": "AMIR@acme.example", "business_unit": support.pk,
        "job_title": "Team Lead", "time_zone": "Europe/Paris", "is_coe_staff": "on",
    })
    assert response.status_code == 302
    amir = User.objects.get(pk=amir.pk)
    assert (amir.display_name, amir.business_unit, amir.time_zone) == ("Amir H.", support, "Europe/Paris")
    assert amir.is_coe_staff
    verbs = set(AuditEvent.objects.filter(target_id=str(amir.pk)).values_list("verb", flat=True))
    assert {"person.updated", "role.granted"} <= verbs
    updated = AuditEvent.objects.get(verb="person.updated", target_id=str(amir.pk))
    assert updated.details == {  # the address differs only in case, which the form drops: unchanged
        "name": ["Amir Haddad", "Amir H."], "business unit": ["Enterprise Sales", "Customer Support"],
        "job title": ["Account Executive", "Team Lead"], "time zone": [settings.TIME_ZONE, "Europe/Paris"],
    }
    assert ("business unit", "Enterprise Sales → Customer Support") in describe.detail_lines(updated)


def test_edit_person_keeps_input_and_names_the_duplicate_email(client, olivia, amir, bianca):
    client.force_login(olivia)
    response = client.post(reverse("person-edit", args=[amir.pk]), {
        "display_name": "Typed name", "email": "bianca@acme.example", "business_unit": amir.business_unit_id,
        "job_title": "", "time_zone": "UTC",
    })
    assert response.status_code == 200
    assert 'value="Typed name"' in response.text
    assert "Another person already uses this email address." in response.text
    assert User.objects.get(pk=amir.pk).display_name == "Amir Haddad"


def test_deactivation_ends_sessions_and_keeps_history(client, olivia, amir):
    client.force_login(amir)
    assert client.get(reverse("home")).status_code == 200
    services.update_person(person=amir, by=olivia, job_title="Senior AE")
    services.deactivate_person(person=amir, by=olivia, reason="Left the company")
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    amir.refresh_from_db()
    assert not amir.is_active
    assert amir.deactivated_at is not None
    assert not amir.has_usable_password()
    history = AuditEvent.objects.filter(target_id=str(amir.pk)).exclude(verb__startswith="auth.")
    assert list(history.values_list("verb", flat=True)) == ["person.deactivated", "person.updated"]


def test_sessions_stay_ended_after_reactivation(client, olivia, amir):
    client.force_login(amir)
    services.deactivate_person(person=amir, by=olivia)
    services.reactivate_person(person=User.objects.get(pk=amir.pk), by=olivia)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_deactivated_leader_steps_down_and_the_event_says_so(olivia, leo, sales):
    services.deactivate_person(person=leo, by=olivia)
    assert not sales.leaders.exists()
    event = AuditEvent.objects.get(verb="person.deactivated", target_id=str(leo.pk))
    assert event.details == {"no_longer_leads": ["SAL"]}


def test_coe_staff_cannot_take_over_a_site_admin_account(client, olivia, acme):
    admin = UserFactory(email="root@acme.example", is_superuser=True, is_staff=True, business_unit=acme)
    client.force_login(olivia)
    assert client.get(reverse("person-detail", args=[admin.pk])).status_code == 200
    response = client.post(reverse("person-edit", args=[admin.pk]), {
        "display_name": "Root", "email": "olivia2@acme.example", "business_unit": acme.pk, "time_zone": "UTC",
    })
    assert response.status_code == 404
    assert client.post(reverse("person-deactivate", args=[admin.pk])).status_code == 404
    admin.refresh_from_db()
    assert admin.email == "root@acme.example"
    assert admin.is_active


def test_changing_an_email_retires_the_old_sign_in_address(olivia, amir):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=amir, email=amir.email, verified=True, primary=True)
    services.update_person(person=amir, by=olivia, email="amir.haddad@acme.example")
    # The new address is CoE staff's word, so it counts as verified (single sign-on links by it).
    assert list(EmailAddress.objects.filter(user=amir).values_list("email", "verified", "primary")) == [
        ("amir.haddad@acme.example", True, True)]
    assert User.objects.get(pk=amir.pk).email == "amir.haddad@acme.example"


def test_back_button_history_restore_gets_the_whole_page(client, olivia, amir):
    client.force_login(olivia)
    response = client.get(reverse("person-list"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.text
    assert "HX-Request" in response["Vary"]


def test_leaders_see_their_people_but_not_the_audit_trail(client, olivia, leo, amir):
    services.update_person(person=amir, by=olivia, job_title="Senior AE")
    client.force_login(leo)
    response = client.get(reverse("person-detail", args=[amir.pk]))
    assert response.status_code == 200
    assert response.context["history"] is None
    assert "person.updated" not in response.text


def test_deactivate_needs_confirmation_then_posts(client, olivia, amir):
    client.force_login(olivia)
    page = client.get(reverse("person-deactivate", args=[amir.pk]))
    assert "will be signed out everywhere" in page.text
    assert User.objects.get(pk=amir.pk).is_active
    client.post(reverse("person-deactivate", args=[amir.pk]), {"reason": "Moved on"})
    assert not User.objects.get(pk=amir.pk).is_active
    assert AuditEvent.objects.get(verb="person.deactivated").details == {"reason": "Moved on"}


def test_double_deactivation_writes_one_event(olivia, amir):
    assert services.deactivate_person(person=amir, by=olivia) is True
    assert services.deactivate_person(person=amir, by=olivia) is False
    assert AuditEvent.objects.filter(verb="person.deactivated").count() == 1


def test_nobody_deactivates_themselves(olivia):
    with pytest.raises(ValidationError):
        services.deactivate_person(person=olivia, by=olivia)
    assert User.objects.get(pk=olivia.pk).is_active


def test_reactivation_restores_access_without_the_old_password(client, olivia, amir):
    services.deactivate_person(person=amir, by=olivia)
    client.force_login(olivia)
    client.post(reverse("person-reactivate", args=[amir.pk]))
    amir.refresh_from_db()
    assert amir.is_active
    assert amir.deactivated_at is None
    assert AuditEvent.objects.filter(verb="person.reactivated", target_id=str(amir.pk)).exists()


def test_reactivation_emails_a_link_that_sets_a_password_and_signs_in(client, olivia, amir,
                                                                     django_capture_on_commit_callbacks):
    services.deactivate_person(person=amir, by=olivia)
    client.force_login(olivia)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("person-reactivate", args=[amir.pk]), follow=True)
    assert "We emailed them a link to set a password, valid for 3 days." in done.text
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["amir@acme.example"]
    assert email.subject == "Your cxcoe account is active again: set a password"
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", email.body).group(0)

    visitor = Client()
    form_page = visitor.get(link, follow=True)  # allauth moves the key into the session, then shows the form
    visitor.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                 {"password1": "A-new-passw0rd!", "password2": "A-new-passw0rd!"})
    assert User.objects.get(pk=amir.pk).check_password("A-new-passw0rd!")
    signed_in = Client().post(reverse("account_login"), {"login": "amir@acme.example", "password": "A-new-passw0rd!"})
    assert signed_in.status_code == 302
    assert visitor.get(link, follow=True).context["token_fail"]  # the link is spent


def test_deactivated_leader_loses_their_scope(olivia, leo, sales):
    services.deactivate_person(person=leo, by=olivia)
    leo = User.objects.get(pk=leo.pk)
    assert not leo.is_leader
    assert list(leo.led_units_subtree()) == []


def test_profile_saves_own_time_zone(client, eve):
    client.force_login(eve)
    client.post(reverse("profile"), {"display_name": "Eve W.", "job_title": "Specialist", "time_zone": "Asia/Tokyo",
                                    "date_style": "day-month"})
    eve.refresh_from_db()
    assert (eve.display_name, eve.time_zone) == ("Eve W.", "Asia/Tokyo")


def test_profile_rejects_an_unknown_time_zone(client, eve):
    client.force_login(eve)
    response = client.post(reverse("profile"), {"display_name": "Eve", "job_title": "", "time_zone": "Mars/Base"})
    assert "Select a valid choice" in response.text
    eve.refresh_from_db()
    assert eve.time_zone == "UTC"


def test_the_time_zone_list_is_built_once_not_on_every_profile_page(client, eve):
    # Reading the tz database on disk made the profile page the slowest page (56 ms against 16-37 ms).
    forms._time_zone_choices.cache_clear()
    client.force_login(eve)
    with mock.patch.object(zoneinfo, "available_timezones", wraps=zoneinfo.available_timezones) as scan:
        first = client.get(reverse("profile"))
        second = client.get(reverse("profile"))
        client.post(reverse("profile"), {"display_name": "Eve", "job_title": "", "time_zone": "Asia/Tokyo",
                                            "date_style": "day-month"})
    assert scan.call_count == 1
    for response in (first, second):
        assert '<option value="Asia/Tokyo">Asia/Tokyo</option>' in response.text
        assert '<option value="America/New_York">America/New York</option>' in response.text
    eve.refresh_from_db()
    assert eve.time_zone == "Asia/Tokyo"


def test_people_list_query_count_does_not_grow(client, olivia, sales, support, django_assert_num_queries):
    client.force_login(olivia)
    UserFactory.create_batch(3, business_unit=sales, leads=[support])
    client.get(reverse("person-list"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("person-list"))
    UserFactory.create_batch(40, business_unit=support, coe_staff=True)
    with django_assert_num_queries(len(small)):
        response = client.get(reverse("person-list"))
    assert len(response.context["people"]) == 44


def test_person_detail_query_count_does_not_grow(client, olivia, amir, sales, django_assert_num_queries):
    client.force_login(olivia)
    client.get(reverse("person-detail", args=[amir.pk]))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("person-detail", args=[amir.pk]))
    for i in range(15):
        services.update_person(person=amir, by=olivia, job_title=f"Title {i}")
    sales.leaders.add(amir)
    with django_assert_num_queries(len(small)):
        client.get(reverse("person-detail", args=[amir.pk]))


def test_a_person_record_changes_only_what_its_service_names(olivia, amir):
    title = amir.job_title
    # Deactivation ends sessions and hands work back: it is its own service, never a field set on the side.
    with pytest.raises(TypeError, match="update_person\\(\\) does not change is_active"):
        services.update_person(person=amir, by=olivia, job_title="Senior AE", is_active=False)
    amir.refresh_from_db()
    assert (amir.is_active, amir.job_title) == (True, title)
    assert not AuditEvent.objects.filter(verb="person.updated").exists()
