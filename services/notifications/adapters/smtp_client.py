"""The one SMTP sender in Goalkeeper: personal digests, escalations and sign-in links all leave
through `SmtpClient.send` (the web app's sign-in links too, by way of the
`member.sign_in_requested` event that notifications handles).

One connection per message, with a timeout; STARTTLS and login when configured. The result
is a `SendResult` whose status is the SMTP reply code: 250 sent; 5xx on RCPT or DATA means the
address refused or bounced the mail (`refused`, never retried); 4xx, a refused login or sender,
and connection errors are retried.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage

from services.notifications.domain.email import Mail, compose, unsubscribe_url
from services.notifications.domain.notification import SendResult


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 10.0


class SmtpClient:
    def __init__(self, server: SmtpServer):
        self.server = server

    def send(self, message: EmailMessage) -> SendResult:
        started = time.perf_counter()
        try:
            with smtplib.SMTP(self.server.host, self.server.port,
                              timeout=self.server.timeout) as smtp:
                self._open(smtp)
                if not (str(message["To"]).isascii() or smtp.has_extn("smtputf8")):
                    return _unsendable_address(str(message["To"]), started)
                refused = smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            return _result(code, reply, started)
        except (smtplib.SMTPAuthenticationError, smtplib.SMTPSenderRefused) as exc:
            # our login or sender is wrong, not the address: retried, never recorded as refused
            return _result(exc.smtp_code, exc.smtp_error, started, address_refused=False)
        except smtplib.SMTPResponseException as exc:  # DATA refused (a bounce), or 4xx
            return _result(exc.smtp_code, exc.smtp_error, started)
        except (smtplib.SMTPException, OSError) as exc:
            return SendResult(status=None, error=f"{exc.__class__.__name__}: {exc}"[:500],
                              duration_ms=_ms(started))
        if refused:  # some recipients refused, others took it: report the first refusal
            code, reply = next(iter(refused.values()))
            return _result(code, reply, started)
        return SendResult(status=250, body="sent", duration_ms=_ms(started))

    def _open(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if self.server.starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if self.server.user:
            smtp.login(self.server.user, self.server.password or "")


class Mailer:
    """Composes a queued `Mail` (with its signed one-click unsubscribe link) and sends it."""

    def __init__(self, client: SmtpClient, sender: str, unsubscribe_base: str, secret: str):
        self.client = client
        self.sender = sender
        self.unsubscribe_base = unsubscribe_base
        self.secret = secret

    def send(self, mail: Mail) -> SendResult:
        member_id = mail.unsubscribes
        stop = unsubscribe_url(self.unsubscribe_base, self.secret, member_id) if member_id else None
        return self.client.send(compose(mail.rendered, to=mail.to, sender=self.sender,
                                        link=mail.link, unsubscribe_url=stop))


def _result(code: int, reply: bytes | str, started: float, *,
            address_refused: bool = True) -> SendResult:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return SendResult(status=code, body=text[:500], error=f"{code} {text}"[:500],
                      duration_ms=_ms(started), refused=address_refused and 500 <= code < 600)


def _unsendable_address(to: str, started: float) -> SendResult:
    """An address our relay cannot carry: letters beyond ASCII before the @ (or a domain with
    no ASCII name), and a relay without SMTPUTF8. The relay is ours to change, as a STARTTLS it
    does not offer is: retried like any setting of ours, and the address is not refused (a
    refusal would stop its digests and escalations after the relay is fixed)."""
    return SendResult(status=None, error=(
        f"The mail server (SMTP_HOST) does not offer SMTPUTF8, which {to!r} needs (letters "
        "beyond ASCII before the @): use a relay that offers it")[:500],
        duration_ms=_ms(started))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
