"""Single sign-on end to end: a real identity provider (django-oidc-provider, tests/sso_provider) runs in
its own process on a free port, and the browser goes there and back under cxcoe's real
Content-Security-Policy. The demo organization supplies the people; the provider knows them by address.
"""

import base64
import copy
import hashlib
import hmac
import os
import re
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from playwright.sync_api import expect

from cxcoe.models import AuditEvent, User
from cxcoe.people import services
from cxcoe.settings import form_action_sources, single_sign_on_providers
from tests.sso_provider.people import PASSWORD as PROVIDER_PASSWORD

from .conftest import DEMO_PASSWORD, check_page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "cxcoe-test"
CLIENT_SECRET = "cxcoe-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def identity_provider(live_server, tmp_path_factory):
    """Start the provider: migrate its SQLite file, create its people and the cxcoe client, serve it."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.sso_provider.settings", "PYTHONPATH": str(ROOT),
           "SSO_PROVIDER_DIR": str(tmp_path_factory.mktemp("sso_provider")), "SSO_PROVIDER_URL": url}
    for name in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)
    django = [sys.executable, "-m", "django"]
    subprocess.run([*django, "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603 - fixed arguments
    setup = [*django, "setup_provider", "--client-id", CLIENT_ID, "--secret", CLIENT_SECRET,
             "--redirect-uri", f"{live_server.url}/accounts/oidc/sso/login/callback/",
             "--post-logout-redirect-uri", f"{live_server.url}/accounts/login/"]
    subprocess.run(setup, env=env, check=True, cwd=ROOT, capture_output=True)  # noqa: S603 - fixed arguments
    serve = [*django, "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"]
    server = subprocess.Popen(serve,  # noqa: S603 - fixed arguments
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    discovery = f"{url}/openid/.well-known/openid-configuration"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(discovery, timeout=2):  # noqa: S310 - our own local provider
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.2)
    yield f"{url}/openid"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def sso(settings, identity_provider, demo):
    """cxcoe configured as it would be by OIDC_CLIENT_ID, OIDC_SERVER_URL and OIDC_NAME."""
    settings.SOCIALACCOUNT_PROVIDERS = single_sign_on_providers(
        client_id=CLIENT_ID, secret=CLIENT_SECRET, server_url=identity_provider, name="Acme ID")
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = form_action_sources(server_url=identity_provider)
    settings.CONTENT_SECURITY_POLICY = policy
    return identity_provider


@pytest.fixture
def sign_in_by_sso(page, live_server, sso):
    def sign_in(username: str, *, check: str | None = None):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_role("link", name="Sign in with Acme ID").click()
        page.get_by_role("button", name="Continue").click()
        at_provider(username, check=check)
        return page

    def at_provider(username: str, *, check: str | None = None):
        expect(page.get_by_role("heading", name="Acme ID")).to_be_visible()
        assert page.url.startswith(sso.removesuffix("/openid") + "/login/")  # really at the provider
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PROVIDER_PASSWORD)
        page.get_by_role("button", name="Sign in to Acme ID").click()
        page.wait_for_load_state()

    sign_in.at_provider = at_provider
    return sign_in


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 with allauth's defaults: SHA-1, 30-second steps, six digits."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int((at or time.time()) // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def test_a_leader_signs_in_by_sso_and_keeps_their_password(sign_in_by_sso, live_server):
    page = sign_in_by_sso("leo")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Leo")
    page.goto(f"{live_server.url}/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_page(page, "sso-leader-dashboard")
    leo = User.objects.get(email="leo@acme.example")
    assert leo.check_password(DEMO_PASSWORD)
    assert SocialAccount.objects.filter(user=leo, provider="sso").exists()
    event = AuditEvent.objects.get(verb="auth.signed_in_sso", actor=leo)
    assert event.details == {"provider": "sso"}


def test_a_stranger_is_refused_and_told_whom_to_ask(sign_in_by_sso):
    page = sign_in_by_sso("sam")
    expect(page.get_by_role("heading", level=1)).to_have_text("No cxcoe account uses this address")
    expect(page.get_by_text("ask CoE staff to add you")).to_be_visible()
    check_page(page, "sso-refused-unknown")
    assert not User.objects.filter(email="sam@elsewhere.example").exists()
    assert AuditEvent.objects.get(verb="auth.sso_refused_unknown").details["email"] == "sam@elsewhere.example"


def test_a_deactivated_person_is_refused_and_nothing_is_linked(sign_in_by_sso):
    eve = User.objects.get(email="eve@acme.example")
    services.deactivate_person(person=eve, by=None)
    page = sign_in_by_sso("eve")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account is deactivated")
    expect(page.get_by_text("ask CoE staff to reactivate")).to_be_visible()
    check_page(page, "sso-refused-inactive")
    assert not SocialAccount.objects.filter(user=eve).exists()
    assert AuditEvent.objects.get(verb="auth.sso_refused_inactive").target_id == str(eve.pk)


def test_an_address_the_provider_did_not_confirm_is_refused_and_the_password_kept(sign_in_by_sso):
    page = sign_in_by_sso("uma")  # the provider has amir's address for her, unverified
    expect(page.get_by_role("heading", level=1)).to_have_text("Your address is not confirmed")
    check_page(page, "sso-refused-unverified")
    amir = User.objects.get(email="amir@acme.example")
    assert amir.check_password(DEMO_PASSWORD)
    assert not SocialAccount.objects.filter(user=amir).exists()
    assert AuditEvent.objects.filter(verb="auth.sso_refused_unverified").count() == 1


def test_sso_only_staff_set_up_two_factor_after_signing_in_again_at_the_provider(
        sign_in_by_sso, live_server, settings):
    settings.CXCOE_REQUIRE_STAFF_MFA = True
    olivia = User.objects.get(email="olivia@acme.example")
    olivia.set_unusable_password()  # she has only ever used single sign-on
    olivia.save(update_fields=["password"])

    page = sign_in_by_sso("olivia")
    # Staff must set up two-factor first; that asks to confirm it's her, and she has no password.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/sso/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm Access")
    check_page(page, "sso-reauthenticate")
    with page.expect_request(re.compile(r"/openid/authorize")) as asked:
        page.get_by_role("button", name="Sign in again with Acme ID").click()
    # prompt=login asks for a new sign-in, and max_age=0 makes the provider say when it happened (auth_time).
    assert {"prompt": ["login"], "max_age": ["0"]}.items() <= parse_qs(urlsplit(asked.value.url).query).items()
    sign_in_by_sso.at_provider("olivia")  # the provider asks again though she is signed in there

    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    check_page(page, "sso-totp-activate")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_load_state()
    assert Authenticator.objects.filter(user=olivia, type=Authenticator.Type.TOTP).exists()

    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Olivia")
    verbs = list(AuditEvent.objects.filter(actor=olivia, verb__startswith="auth.").values_list("verb", flat=True))
    assert set(verbs) == {"auth.signed_in_sso", "auth.sso_reauthenticated"}


def test_signing_out_offers_to_sign_out_of_the_provider_too(sign_in_by_sso, sso):
    page = sign_in_by_sso("leo")
    page.get_by_role("contentinfo").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?signed_out=sso"))
    check_page(page, "sso-signed-out")
    page.get_by_role("link", name="Also sign out of Acme ID").click()
    page.wait_for_load_state()
    # The provider's own sign-out page (RP-initiated logout) takes it from here.
    assert page.url.startswith(f"{sso}/end-session")
