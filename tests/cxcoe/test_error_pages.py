"""A page someone can't open says so in the site's look, with the navigation and a way back."""

from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error


def test_an_employee_on_a_staff_page_gets_the_sites_403_with_its_menu(client, eve):
    client.force_login(eve)
    response = client.get(reverse("person-list"))
    assert response.status_code == 403
    assert "You can't do this" in response.text
    assert "ask the CoE team" in response.text
    assert 'aria-label="Main"' in response.text  # the navigation is there
    assert f'href="{reverse("home")}"' in response.text


def test_an_address_that_leads_nowhere_gets_the_sites_404(client, eve):
    client.force_login(eve)
    response = client.get("/standards/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "isn't one you can see" in response.text
    assert 'id="notification-bell"' in response.text  # signed in: the header is the usual one


def test_a_visitor_on_a_missing_page_gets_the_404_without_the_signed_in_menu(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'id="notification-bell"' not in response.text


def test_the_500_page_reads_nothing_from_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert 'href="/"' in page
    assert "cxcoe.css" in page


def test_a_form_sent_without_its_csrf_token_says_the_form_expired(eve):
    client = Client(enforce_csrf_checks=True)
    client.force_login(eve)
    response = client.post(reverse("notification-read-all"))
    assert response.status_code == 403
    assert "The form expired" in response.text
    assert "Nothing was saved" in response.text
