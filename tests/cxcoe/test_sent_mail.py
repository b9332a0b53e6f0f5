"""The embedded mode's mail: each email is an .eml file in CXCOE_MAIL_DIR, one log line, and the Sent mail pages."""

import email
import email.policy
import logging
import runpy
from pathlib import Path

from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from cxcoe import notifications
from cxcoe.models import Notification
from cxcoe.notifications import mailbox

from ..factories import UserFactory

SETTINGS = Path(__file__).resolve().parents[2] / "cxcoe" / "settings.py"


def _notify(person, title: str) -> None:
    notification = Notification.objects.create(recipient=person, kind="message", title=title, url="/standards/")
    notifications.email_for(notification, person).send()


def _settings_with(monkeypatch, **environ) -> dict:
    for name in ("DJANGO_ENV", "DEBUG", "EMAIL_BACKEND", "CXCOE_MAIL_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_the_embedded_mode_writes_mail_to_files_and_the_others_send_it(monkeypatch, tmp_path):
    monkeypatch.setenv("CXCOE_VAR_DIR", str(tmp_path))
    embedded = _settings_with(monkeypatch)
    assert embedded["EMAIL_BACKEND"] == "cxcoe.notifications.mailbox.EmlFileBackend"
    assert embedded["CXCOE_EMBEDDED_MAIL"] is True
    assert embedded["CXCOE_MAIL_DIR"] == tmp_path / "mail"
    assert _settings_with(monkeypatch, CXCOE_MAIL_DIR="/srv/mail")["CXCOE_MAIL_DIR"] == Path("/srv/mail")
    chosen = _settings_with(monkeypatch, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    assert (chosen["EMAIL_BACKEND"], chosen["CXCOE_EMBEDDED_MAIL"]) == (
        "django.core.mail.backends.console.EmailBackend", False)
    production = _settings_with(monkeypatch, DJANGO_ENV="production", SECRET_KEY="x" * 50,
                                ALLOWED_HOSTS="cxcoe.example.com", CACHE_URL="redis://127.0.0.1:6379/1")
    assert (production["EMAIL_BACKEND"], production["CXCOE_EMBEDDED_MAIL"]) == (
        "django.core.mail.backends.smtp.EmailBackend", False)


def test_each_email_becomes_an_eml_file_and_one_log_line(mail_dir, eve, caplog):
    caplog.set_level(logging.INFO, logger="cxcoe.mail")
    message = EmailMultiAlternatives(subject="Acknowledge CX-STD-003 by 1 December 2026",
                                     body="Hello Eve,\nplease read the new standard.\n", to=["eve@acme.example"],
                                     bcc=["olivia@acme.example"])
    message.attach_alternative("<p>Hello Eve, please read <b>the new standard</b>.</p>", "text/html")
    assert message.send() == 1

    [path] = mail_dir.glob("*.eml")
    raw = path.read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b"")  # a mail program's line ends
    # Parsed by the standard library, not by our reader.
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == "eve@acme.example"
    assert parsed["Bcc"] == "olivia@acme.example"
    assert parsed["Subject"] == "Acknowledge CX-STD-003 by 1 December 2026"
    assert parsed["From"] == "cxcoe <cxcoe@localhost>"
    assert parsed["Date"]
    assert parsed.get_body(preferencelist=("plain",)).get_content().splitlines() == [
        "Hello Eve,", "please read the new standard."]
    assert "<b>the new standard</b>" in parsed.get_body(preferencelist=("html",)).get_content()
    assert list(mail_dir.glob(".*")) == []  # no half-written file left behind

    [record] = [r for r in caplog.records if r.name == "cxcoe.mail"]
    line = record.getMessage()
    assert "\n" not in line
    assert "eve@acme.example" in line
    assert "Acknowledge CX-STD-003 by 1 December 2026" in line
    assert "<p>" not in caplog.text  # the HTML stays in the file


def test_a_notification_email_is_kept_with_its_text_and_html(mail_dir, eve):
    _notify(eve, "CX-STD-008 waits for your approval")
    [name] = mailbox.sent_mail_names()
    kept = mailbox.read_sent_mail(name)
    assert kept.subject == "CX-STD-008 waits for your approval"
    assert kept.to == "eve@acme.example"
    assert "/standards/" in kept.text
    assert kept.has_html


def test_staff_see_the_sent_mail_newest_first_and_read_one(client, olivia, eve, leo, mail_dir):
    _notify(eve, "First: your training is due")
    _notify(leo, "Second: CX-STD-008 waits for your approval")
    client.force_login(olivia)
    response = client.get(reverse("sent-mail-list"))
    assert response.status_code == 200
    emails = response.context["emails"]
    assert [(e.subject, e.to) for e in emails] == [("Second: CX-STD-008 waits for your approval", "leo@acme.example"),
                                                   ("First: your training is due", "eve@acme.example")]
    html = response.text
    assert reverse("sent-mail-detail", args=[emails[0].name]) in html
    assert "leo<wbr>@acme.example" in html  # wraps before the @ on a phone, not inside a word
    assert f"{emails[0].sent_at.day} " in html

    response = client.get(reverse("sent-mail-detail", args=[emails[1].name]))
    assert response.status_code == 200
    html = response.text
    assert "<h1 class=\"text-break\">First: your training is due</h1>" in html
    assert "eve@acme.example" in html
    assert "cxcoe &lt;cxcoe@localhost&gt;" in html
    sent_at = emails[1].sent_at
    assert f'{sent_at.day} {sent_at:%b %Y}, ' in html  # as every moment reads: "1 Dec 2026, 16:05"
    assert "/standards/" in html  # the text part
    html_url = reverse("sent-mail-html", args=[emails[1].name])
    assert f'<iframe class="mail-html" sandbox src="{html_url}"' in html
    assert "<table" not in html.split("<main")[-1]  # the HTML part itself is never put in the page


def test_the_html_part_is_served_on_its_own_under_a_sandbox(client, olivia, eve, mail_dir):
    message = EmailMultiAlternatives("Town hall", "Bring a story.", to=["eve@acme.example"])
    message.attach_alternative('<p>Bring a <b>story</b>.</p><script>alert("kept")</script>', "text/html")
    message.send()
    mail.send_mail("Plain only", "No HTML here.", None, ["eve@acme.example"])
    plain, rich = mailbox.sent_mail_names()
    client.force_login(olivia)
    response = client.get(reverse("sent-mail-html", args=[rich]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    policy = [part.strip() for part in response["Content-Security-Policy"].split(";")]
    assert policy[0] == "sandbox"  # no scripts, no forms, an origin of its own: no cookies
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "<b>story</b>" in response.text  # shown as the mail program would, the sandbox keeps it inert
    assert client.get(reverse("sent-mail-html", args=[plain])).status_code == 404
    assert "<iframe" not in client.get(reverse("sent-mail-detail", args=[plain])).text


def test_a_subject_with_markup_is_shown_as_text(client, olivia, eve, mail_dir):
    mail.send_mail("<script>alert(1)</script> Town hall", "Body <b>bold</b>", None, ["eve@acme.example"])
    client.force_login(olivia)
    [name] = mailbox.sent_mail_names()
    for url in (reverse("sent-mail-list"), reverse("sent-mail-detail", args=[name])):
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Town hall" in html
    assert "Body &lt;b&gt;bold&lt;/b&gt;" in client.get(reverse("sent-mail-detail", args=[name])).text


def test_with_no_mail_yet_the_page_says_what_will_appear(client, olivia, mail_dir):
    assert not mail_dir.exists()
    client.force_login(olivia)
    html = client.get(reverse("sent-mail-list")).text
    assert "No emails sent yet." in html
    assert "Reminders, digests, approval requests" in html
    assert "<table" not in html


def test_an_unknown_or_foreign_file_name_is_404(client, olivia, eve, mail_dir):
    _notify(eve, "Kept")
    (mail_dir / "notes.eml").write_text("Subject: not ours\r\n\r\n")
    client.force_login(olivia)
    assert client.get(reverse("sent-mail-detail", args=["20260101T000000000000Z-deadbeef"])).status_code == 404
    assert client.get(reverse("sent-mail-detail", args=["notes"])).status_code == 404
    assert [e.subject for e in client.get(reverse("sent-mail-list")).context["emails"]] == ["Kept"]


def test_the_list_is_paginated(client, olivia, mail_dir):
    mail.send_mass_mail([(f"Reminder {n}", "Body", None, ["eve@acme.example"]) for n in range(55)])
    client.force_login(olivia)
    first = client.get(reverse("sent-mail-list"))
    assert len(first.context["emails"]) == 50
    assert first.context["emails"][0].subject == "Reminder 54"
    second = client.get(reverse("sent-mail-list"), {"page": 2})
    assert [e.subject for e in second.context["emails"]] == [f"Reminder {n}" for n in range(4, -1, -1)]
    assert "51\N{EN DASH}55 of 55" in second.text


def test_the_list_query_count_does_not_grow_with_the_mail(client, olivia, mail_dir, django_assert_num_queries):
    client.force_login(olivia)
    mail.send_mass_mail([(f"Reminder {n}", "Body", None, ["eve@acme.example"]) for n in range(3)])
    # Session, user, CoE staff group, unread count, site admins' addresses; none per email.
    client.get(reverse("sent-mail-list"))
    with django_assert_num_queries(5):
        client.get(reverse("sent-mail-list"))
    mail.send_mass_mail([(f"Reminder {n}", "Body", None, ["eve@acme.example"]) for n in range(3, 40)])
    with django_assert_num_queries(5):
        client.get(reverse("sent-mail-list"))


def test_the_menu_shows_sent_mail_to_staff_in_the_embedded_mode_only(client, olivia, mail_dir, settings):
    client.force_login(olivia)
    assert reverse("sent-mail-list") in client.get(reverse("home")).text
    settings.CXCOE_EMBEDDED_MAIL = False
    assert reverse("sent-mail-list") not in client.get(reverse("home")).text


def test_in_the_services_mode_the_pages_do_not_exist(client, olivia, eve, mail_dir, settings):
    _notify(eve, "Kept")
    [name] = mailbox.sent_mail_names()
    settings.CXCOE_EMBEDDED_MAIL = False
    client.force_login(olivia)
    assert client.get(reverse("sent-mail-list")).status_code == 404
    assert client.get(reverse("sent-mail-detail", args=[name])).status_code == 404
    assert client.get(reverse("sent-mail-html", args=[name])).status_code == 404


def test_mail_to_a_site_admin_is_opened_only_by_site_admins(client, olivia, eve, mail_dir):
    """A password reset link for the site admin must not let CoE staff into an account they may not manage."""
    admin = UserFactory(email="admin@acme.example", is_superuser=True, coe_staff=True)
    reset = EmailMultiAlternatives("Password reset", "Follow https://cxcoe.example/accounts/password/reset/key/abc/",
                                   to=["admin@acme.example"])
    reset.attach_alternative('<a href="https://cxcoe.example/accounts/password/reset/key/abc/">Reset</a>', "text/html")
    reset.send()
    _notify(eve, "Town hall on Thursday")
    client.force_login(olivia)
    listed = client.get(reverse("sent-mail-list"))
    assert [(email.subject, readable) for email, readable in listed.context["rows"]] == [
        ("Town hall on Thursday", True), ("Password reset", False)]
    assert "only site admins open it" in listed.text
    reset = next(email for email in listed.context["emails"] if email.subject == "Password reset")
    assert client.get(reverse("sent-mail-detail", args=[reset.name])).status_code == 404
    assert client.get(reverse("sent-mail-html", args=[reset.name])).status_code == 404
    assert "reset/key/abc" not in listed.text
    client.force_login(admin)
    assert "reset/key/abc" in client.get(reverse("sent-mail-detail", args=[reset.name])).text
