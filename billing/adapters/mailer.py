"""Email over SMTP (``smtplib``) — the only module of the product that sends mail.

One connection per message: connect, STARTTLS when configured, log in when a
user name is set, send, quit. A refusal by the server (5xx) is permanent; a
connection problem or a 4xx answer is worth retrying. Neither the password
nor the message body is ever logged.
"""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

from billing.config import Settings
from billing.domain.errors import UpstreamUnavailable

RETRYABLE = "smtp_unavailable"
REJECTED = "smtp_rejected"


class MailNotSent(UpstreamUnavailable):
    """The message was not accepted; ``code`` is ``smtp_rejected`` (permanent) or
    ``smtp_unavailable`` (try again later)."""

    code = RETRYABLE
    title = "Email not sent"

    @property
    def permanent(self) -> bool:
        """True if sending the same message again cannot succeed."""
        return self.code == REJECTED


def _refusal_code(exc: smtplib.SMTPException) -> str:
    """``smtp_rejected`` when the server refused the recipient or the message for good
    (5xx); anything else — our login, our sender, a 4xx, a dropped line — may pass later."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
    elif isinstance(exc, smtplib.SMTPDataError):
        codes = [exc.smtp_code]
    else:
        codes = []
    return REJECTED if codes and all(500 <= code < 600 for code in codes) else RETRYABLE


class SmtpMailer:
    """Sends plain-text messages from ``sender`` through one SMTP server."""

    def __init__(self, host: str, port: int, *, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = True,
                 timeout_seconds: float = 15.0,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.host, self.port, self.sender = host, port, sender
        self._username, self._password = username, password
        self._starttls, self._timeout = starttls, timeout_seconds
        self._tls_context = tls_context

    def __repr__(self) -> str:
        return f"SmtpMailer(host={self.host!r}, port={self.port}, sender={self.sender!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        """The mailer for ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_USERNAME``,
        ``SMTP_PASSWORD``, ``SMTP_FROM`` and ``SMTP_STARTTLS``."""
        if not settings.smtp_host or not settings.smtp_from:
            raise UpstreamUnavailable("Email is not configured (SMTP_HOST and SMTP_FROM).",
                                      code="smtp_not_configured")
        return cls(settings.smtp_host, settings.smtp_port, sender=settings.smtp_from,
                   username=settings.smtp_username, password=settings.smtp_password,
                   starttls=settings.smtp_starttls)

    def send(self, recipient: str, subject: str, body: str, *, message_id: str) -> None:
        """Send one message; raises ``MailNotSent`` if the server did not take it."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, recipient, subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = message_id
        message.set_content(body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=self._tls_context or ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password or "")
                smtp.send_message(message)
        except smtplib.SMTPException as exc:
            raise MailNotSent(f"The mail server refused the message ({type(exc).__name__}).",
                              code=_refusal_code(exc)) from None
        except OSError as exc:
            raise MailNotSent(f"The mail server could not be reached ({type(exc).__name__}).",
                              code=RETRYABLE) from None
