"""The embedded mode's mail: each email is written to CXCOE_MAIL_DIR as an .eml file, instead of being sent.

Django's console backend printed the whole HTML of every email (174 of them on a first `make run`),
burying the sign-in banner, and its file backend writes a log of messages that no mail program
opens. Here each email is one standard .eml file (RFC 5322, CRLF line ends) that any mail program
opens, the log gets one line per email, and CoE staff read them on the Sent mail page.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage as ParsedEmail
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

logger = logging.getLogger("cxcoe.mail")

# A file's name is its id in URLs: the UTC time it was written (so names sort newest last) and a random
# part, for two emails in the same microsecond. Nothing else is ever read from the folder.
NAME = re.compile(r"\d{8}T\d{12}Z-[0-9a-f]{8}")


def mail_dir() -> Path:
    return Path(settings.CXCOE_MAIL_DIR)


class EmlFileBackend(BaseEmailBackend):
    """Writes each email to CXCOE_MAIL_DIR as <time>-<random>.eml and logs who it was for."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        directory = mail_dir()
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                directory.mkdir(parents=True, exist_ok=True)
                path = self._write(directory, message)
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            logger.info("Email to %s: %s (%s)", ", ".join(message.recipients()), message.subject, path.name)
            sent += 1
        return sent

    def _write(self, directory: Path, message: EmailMessage) -> Path:
        mime = message.message()
        # Django leaves Bcc out of the headers, as SMTP must; this copy is the record of who got it.
        if message.bcc:
            mime["Bcc"] = ", ".join(message.bcc)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}Z-{secrets.token_hex(4)}"
        path = directory / f"{name}.eml"
        # Written aside and renamed, so the Sent mail page never reads half an email.
        partial = directory / f".{name}.partial"
        partial.write_bytes(mime.as_bytes(linesep="\r\n"))
        os.replace(partial, path)
        return path


@dataclass(frozen=True)
class SentMail:
    name: str
    sent_at: datetime | None
    sender: str
    to: str
    cc: str
    bcc: str
    subject: str
    text: str = ""
    html: str = ""

    @property
    def has_html(self) -> bool:
        return bool(self.html)

    @property
    def to_addresses(self) -> list[str]:
        return [address for _name, address in getaddresses([self.to]) if address]

    @property
    def recipients(self) -> set[str]:
        """Every address it went to (To, Cc and Bcc), lower-cased."""
        return {address.lower() for _name, address in getaddresses([self.to, self.cc, self.bcc]) if address}

    @classmethod
    def from_parsed(cls, name: str, parsed: ParsedEmail, *, with_body: bool) -> SentMail:
        try:
            sent_at = parsedate_to_datetime(parsed["Date"]) if parsed["Date"] else None
        except (TypeError, ValueError):
            sent_at = None
        text = html = ""
        if with_body:
            if (part := parsed.get_body(preferencelist=("plain",))) is not None:
                text = part.get_content().replace("\r\n", "\n").rstrip()  # the file has CRLF line ends
            if (part := parsed.get_body(preferencelist=("html",))) is not None:
                html = part.get_content()
        return cls(name=name, sent_at=sent_at, sender=str(parsed["From"] or ""), to=str(parsed["To"] or ""),
                   cc=str(parsed["Cc"] or ""), bcc=str(parsed["Bcc"] or ""), subject=str(parsed["Subject"] or ""),
                   text=text, html=html)


def sent_mail_names() -> list[str]:
    """The ids of the emails in the folder, newest first; only their names are read."""
    try:
        names = [entry.name[:-4] for entry in os.scandir(mail_dir()) if entry.name.endswith(".eml")]
    except FileNotFoundError:
        return []
    return sorted((name for name in names if NAME.fullmatch(name)), reverse=True)


def read_sent_mail(name: str, *, with_body: bool = True) -> SentMail | None:
    """One email by its id, or None when there is no such file."""
    if not NAME.fullmatch(name):
        return None
    try:
        with (mail_dir() / f"{name}.eml").open("rb") as file:
            parsed = BytesParser(policy=policy.default).parse(file, headersonly=not with_body)
    except FileNotFoundError:
        return None
    return SentMail.from_parsed(name, parsed, with_body=with_body)
