"""Single sign-on decisions (cxcoe.people.sso, cxcoe.people.adapters), with the provider's answer built in the test.
tests/browser/test_sso.py runs the same flows against a real provider."""

import importlib
import json
import os
import subprocess
import sys
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.urls import reverse

from cxcoe.models import AUDIT_VERBS, AuditEvent
from cxcoe.people import sso
from cxcoe.people.adapters import AccountAdapter
from cxcoe.settings import form_action_sources, single_sign_on_providers

from ..factories import PASSWORD


@pytest.fixture(autouse=True)
def acme_id(settings):
    settings.SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(
        client_id="cxcoe", secret="s3cret", server_url="https://login.acme.example/realms/acme", name="Acme ID")


def provider_answers(rf, *, email, verified=True, uid=None, signed_in=None, state=None, id_token=None):
    """Finish a single sign-on as if the provider had answered with these claims."""
    request = rf.get("/accounts/oidc/sso/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = signed_in or AnonymousUser()
    request._messages = FallbackStorage(request)
    with context.request_context(request):
        provider = get_social_adapter().get_provider(request, "sso")
        sociallogin = provider.sociallogin_from_response(request, {"id_token": id_token or {}, "userinfo": {
            "sub": uid or email or "someone", "email": email, "email_verified": verified, "name": "Someone"}})
        sociallogin.state = state or {"process": "login"}
        response = complete_social_login(request, sociallogin)
    request.session.save()
    return request, response


def link(person, uid):
    return SocialAccount.objects.create(user=person, provider="sso", uid=uid)


def test_first_sso_sign_in_links_the_directory_person_and_keeps_their_password(rf, eve):
    _request, response = provider_answers(rf, email="Eve@Acme.example")
    assert response.status_code == 302
    eve.refresh_from_db()
    assert eve.check_password(PASSWORD)
    assert SocialAccount.objects.filter(user=eve, provider="sso").exists()
    assert EmailAddress.objects.filter(user=eve, email__iexact=eve.email, verified=True).exists()
    event = AuditEvent.objects.get(verb="auth.signed_in_sso")
    assert (event.actor, event.details) == (eve, {"provider": "sso"})


def test_a_deactivated_person_is_refused_and_nothing_changes(rf, eve):
    eve.is_active = False
    eve.save(update_fields=["is_active"])
    _request, response = provider_answers(rf, email="eve@acme.example")
    assert response.status_code == 403
    assert "ask CoE staff to reactivate your account" in response.text
    eve.refresh_from_db()
    assert eve.check_password(PASSWORD)
    assert not SocialAccount.objects.exists()
    event = AuditEvent.objects.get(verb="auth.sso_refused_inactive")
    assert (event.target_id, event.details["email"]) == (str(eve.pk), "eve@acme.example")
    assert not AuditEvent.objects.filter(verb__startswith="auth.signed_in").exists()


def test_a_stranger_is_told_to_ask_coe_staff(rf, eve):
    _request, response = provider_answers(rf, email="sam@elsewhere.example")
    assert response.status_code == 403
    assert "No cxcoe account uses the address sam@elsewhere.example" in response.text
    assert "Sign-up is closed" not in response.text
    assert AuditEvent.objects.get(verb="auth.sso_refused_unknown").details == {
        "email": "sam@elsewhere.example", "provider": "Acme ID"}


def test_an_unconfirmed_address_is_refused_without_touching_the_person(rf, amir):
    _request, response = provider_answers(rf, email="amir@acme.example", verified=False)
    assert response.status_code == 403
    assert "did not confirm that the address amir@acme.example is yours" in response.text
    amir.refresh_from_db()
    assert amir.check_password(PASSWORD)
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(verb="auth.sso_refused_unverified").count() == 1


def test_a_provider_that_sends_no_address_is_named_as_the_problem(rf, eve):
    _request, response = provider_answers(rf, email="")
    assert response.status_code == 403
    assert "release the email and email_verified claims" in response.text
    assert AuditEvent.objects.get(verb="auth.sso_refused_no_email").details == {"email": "", "provider": "Acme ID"}


def test_an_address_someone_registered_themselves_stays_unverified(rf, eve):
    # Open sign-up leaves an unverified row; allauth's guard (wiping the password) then still applies.
    EmailAddress.objects.create(user=eve, email=eve.email, verified=False, primary=True)
    provider_answers(rf, email="eve@acme.example")
    assert not EmailAddress.objects.get(user=eve).verified


def test_signing_in_again_at_the_provider_confirms_it_is_her(rf, olivia):
    link(olivia, "olivia-at-acme")
    asked_at = time.time()
    state = {"process": "redirect", "next": "/accounts/2fa/totp/activate/",
             "data": {sso.REAUTHENTICATE: {"user": olivia.pk, "at": asked_at}}}
    request, response = provider_answers(rf, email=olivia.email, uid="olivia-at-acme", signed_in=olivia,
                                         state=state, id_token={"auth_time": int(asked_at) + 5})
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/totp/activate/")
    assert sso.did_recently_reauthenticate(request)
    with context.request_context(request):
        assert not AccountAdapter().is_reauthentication_required(app="allauth.mfa")
    assert AuditEvent.objects.get(verb="auth.sso_reauthenticated").actor == olivia


def test_signing_in_again_as_someone_else_confirms_nothing(rf, olivia, leo):
    link(olivia, "olivia-at-acme")
    link(leo, "leo-at-acme")
    state = {"process": "redirect", "data": {sso.REAUTHENTICATE: {"user": olivia.pk, "at": 0}}}
    request, response = provider_answers(rf, email=leo.email, uid="leo-at-acme", signed_in=olivia, state=state)
    assert response.status_code == 403
    assert "not yours in cxcoe" in response.text
    assert not sso.did_recently_reauthenticate(request)
    assert AuditEvent.objects.get(verb="auth.sso_reauthentication_refused").actor == olivia


def test_an_sso_only_person_is_sent_to_the_provider_to_set_up_two_factor(client, olivia):
    olivia.set_unusable_password()
    olivia.save(update_fields=["password"])
    link(olivia, "olivia-at-acme")
    client.force_login(olivia)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sso-reauthenticate") + "?next=")
    page = client.get(response["Location"])
    assert "Sign in again with Acme ID" in page.text


def test_provider_reauthentication_is_offered_only_to_linked_people(client, eve):
    client.force_login(eve)
    assert client.get(reverse("sso-reauthenticate")).status_code == 404


def test_staff_signed_in_by_sso_may_rely_on_the_providers_mfa_when_trusted(rf, client, settings, olivia):
    settings.CXCOE_REQUIRE_STAFF_MFA = True
    request, _response = provider_answers(rf, email=olivia.email)
    client.cookies[django_settings.SESSION_COOKIE_NAME] = request.session.session_key
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    settings.CXCOE_TRUST_PROVIDER_MFA = True
    assert client.get(reverse("home")).status_code == 200


def test_password_sign_ins_are_still_sent_to_set_up_two_factor_when_the_provider_is_trusted(client, settings,
                                                                                             olivia):
    settings.CXCOE_REQUIRE_STAFF_MFA = True
    settings.CXCOE_TRUST_PROVIDER_MFA = True
    client.post(reverse("account_login"), {"login": olivia.email, "password": PASSWORD})
    assert client.get(reverse("home"))["Location"] == reverse("mfa_activate_totp")
    assert AuditEvent.objects.filter(verb="auth.signed_in_password", actor=olivia).count() == 1


def test_sso_outcomes_read_as_plain_language_on_the_audit_log(rf, client, olivia, eve):
    provider_answers(rf, email="sam@elsewhere.example")
    provider_answers(rf, email="eve@acme.example", verified=False)
    provider_answers(rf, email="eve@acme.example")
    client.force_login(olivia)
    page = client.get(reverse("audit-list")).text
    for verb in ("auth.sso_refused_unknown", "auth.sso_refused_unverified", "auth.signed_in_sso"):
        assert str(AUDIT_VERBS[verb]) in page
        assert f">{verb}" not in page  # the raw key is only a filter's option value


def test_the_provider_origin_is_allowed_as_a_form_action():
    assert form_action_sources(server_url="https://login.acme.example/realms/acme", extra=["https://x.example"]) == [
        "'self'", "https://login.acme.example", "https://x.example"]


def test_settings_put_the_provider_in_form_action_when_single_sign_on_is_on():
    script = ("import django, json; from django.conf import settings; "
              "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']))")
    env = {"DJANGO_SETTINGS_MODULE": "cxcoe.settings", "OIDC_CLIENT_ID": "cxcoe",
           "OIDC_SERVER_URL": "https://login.acme.example:8443/realms/acme", "CSP_FORM_ACTION": "https://x.example"}
    result = subprocess.run([sys.executable, "-c", script], env={**os.environ, **env},  # noqa: S603
                            capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == ["'self'", "https://login.acme.example:8443", "https://x.example"]


def test_people_already_in_the_directory_get_a_verified_address_once(eve, bianca):
    from django.apps import apps

    migration = importlib.import_module("cxcoe.migrations.0009_directory_addresses_verified")
    EmailAddress.objects.filter(user__in=[eve, bianca]).delete()
    # Bianca registered an address herself once (open sign-up): that row is hers and stays unverified.
    EmailAddress.objects.create(user=bianca, email=bianca.email.upper(), verified=False, primary=True)
    migration.verify_directory_addresses(apps, None)
    migration.verify_directory_addresses(apps, None)
    assert list(EmailAddress.objects.filter(user=eve).values_list("email", "verified", "primary")) == [
        (eve.email, True, True)]
    assert list(EmailAddress.objects.filter(user=bianca).values_list("verified", flat=True)) == [False]


@pytest.mark.parametrize("auth_time", [None, "soon", 1_000_000_000], ids=["missing", "unreadable", "old"])
def test_a_provider_that_did_not_ask_again_confirms_nothing(rf, olivia, auth_time):
    """A provider that ignored prompt=login lets the browser through on its old session: that proves nothing."""
    link(olivia, "olivia-at-acme")
    state = {"process": "redirect", "data": {sso.REAUTHENTICATE: {"user": olivia.pk, "at": time.time()}}}
    id_token = {} if auth_time is None else {"auth_time": auth_time}
    request, response = provider_answers(rf, email=olivia.email, uid="olivia-at-acme", signed_in=olivia,
                                         state=state, id_token=id_token)
    assert response.status_code == 403
    assert "without asking you to sign in again" in response.text
    assert not sso.did_recently_reauthenticate(request)
    assert AuditEvent.objects.get(verb="auth.sso_reauthentication_refused").actor == olivia

