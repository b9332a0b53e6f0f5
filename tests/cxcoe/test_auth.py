import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from cxcoe.models import AuditEvent, User

from ..factories import PASSWORD


def test_sign_in_with_email_lands_on_my_work_and_is_audited(client, eve):
    response = client.post(reverse("account_login"), {"login": "EVE@acme.example", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).context["user"] == eve
    event = AuditEvent.objects.get(verb="auth.signed_in_password")
    assert event.actor == eve


def test_wrong_password_is_refused_and_audited_without_the_password(client, eve):
    response = client.post(reverse("account_login"), {"login": "eve@acme.example", "password": "wrong-one"})
    assert response.status_code == 200
    assert "not correct" in response.text
    event = AuditEvent.objects.get(verb="auth.sign_in_failed")
    assert event.details == {"email": "eve@acme.example"}
    assert "wrong-one" not in str(event.details)


def test_repeated_failed_sign_ins_are_rate_limited(client, eve):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "eve@acme.example", "password": "wrong-one"})
    response = client.post(reverse("account_login"), {"login": "eve@acme.example", "password": PASSWORD})
    assert response.status_code in {200, 429}
    assert "Too many failed login attempts" in response.text
    assert not AuditEvent.objects.filter(verb__startswith="auth.signed_in").exists()


def test_sign_up_is_closed(client, db):
    response = client.post(reverse("account_signup"), {"email": "new@acme.example", "password1": "x" * 12,
                                                       "password2": "x" * 12})
    assert "closed" in response.text.lower()
    assert not User.objects.filter(email="new@acme.example").exists()


def test_deactivated_person_cannot_sign_in(client, eve):
    eve.is_active = False
    eve.save()
    response = client.post(reverse("account_login"), {"login": "eve@acme.example", "password": PASSWORD})
    assert client.get(reverse("home")).status_code == 302
    assert response.status_code in {200, 302}
    assert not AuditEvent.objects.filter(verb__startswith="auth.signed_in").exists()


def test_admin_login_goes_through_the_rate_limited_sign_in(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_non_admin_cannot_open_the_site_admin(client, eve):
    client.force_login(eve)
    assert client.get(reverse("admin:login")).status_code == 403


def test_pages_send_a_content_security_policy(client, eve):
    client.force_login(eve)
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_staff_without_an_authenticator_must_set_one_up_when_required(client, settings, olivia, eve):
    settings.CXCOE_REQUIRE_STAFF_MFA = True
    client.force_login(olivia)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    client.force_login(eve)
    assert client.get(reverse("home")).status_code == 200


def _settings_process(**env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "DJANGO_ENV", "CACHE_URL"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; settings.INSTALLED_APPS"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "cxcoe.settings", **env},
        capture_output=True, text=True, check=False,
    )


PRODUCTION = {"DJANGO_ENV": "production", "SECRET_KEY": "k" * 64, "ALLOWED_HOSTS": "cx.example.com",
              "CACHE_URL": "redis://127.0.0.1:6379/1"}


@pytest.mark.parametrize(("change", "message"), [
    ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "needs SECRET_KEY"),
    ({"ALLOWED_HOSTS": ""}, "needs ALLOWED_HOSTS"),
    ({"DEBUG": "1"}, "cannot run with DEBUG on"),
    ({"CACHE_URL": ""}, "needs CACHE_URL"),
    ({"DJANGO_ENV": "", "DEBUG": "0", "SECRET_KEY": ""}, "needs SECRET_KEY"),
])
def test_production_refuses_to_start_when_misconfigured(change, message):
    result = _settings_process(**{**PRODUCTION, **change})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_when_configured():
    result = _settings_process(**PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_people_cannot_add_their_own_email_addresses(client, eve):
    client.force_login(eve)
    response = client.post("/accounts/email/", {"action_add": "", "email": "eve@evil.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    assert not eve.emailaddress_set.filter(email="eve@evil.example").exists()


def test_every_page_has_a_title_naming_it(client, eve):
    client.force_login(eve)
    assert "<title>My work · cxcoe</title>" in client.get(reverse("home")).text


def test_password_reset_mails_a_link_that_sets_a_new_password(client, eve, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "eve@acme.example"})
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                {"password1": "a-new-passphrase-2026", "password2": "a-new-passphrase-2026"})
    eve.refresh_from_db()
    assert eve.check_password("a-new-passphrase-2026")


def test_single_sign_on_shows_when_configured(client, db, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": [{
        "provider_id": "sso", "name": "Acme SSO", "client_id": "cxcoe", "secret": "s3cret",
        "settings": {"server_url": "https://login.acme.example/realms/acme"},
    }]}}
    page = client.get(reverse("account_login")).text
    assert "Acme SSO" in page
    assert "/accounts/oidc/sso/login/" in page
