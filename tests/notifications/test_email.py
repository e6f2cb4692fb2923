"""Email leaves through the one SMTP sender: multipart text and HTML with a one-click
unsubscribe header, against a local SMTP server the tests start (one that refuses, too)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller

from infra.kafka_broker import free_port
from services.notifications.adapters.smtp_client import SmtpClient, SmtpServer
from services.notifications.domain.email import (
    compose,
    member_of_token,
    refused,
    sign_in_mail,
    unsubscribe_token,
)
from services.notifications.domain.render import render
from tests.support.smtp_server import LocalSmtpServer

SENDER = "goalkeeper@example.com"
LINK = "https://goalkeeper.example/goals/g1"
UNSUBSCRIBE = "https://goalkeeper.example/v1/email/unsubscribe?token=abc.def"


@pytest.fixture
def smtp():
    server = LocalSmtpServer(user="mailer", password="s3cret").start()
    yield server
    server.stop()


def client_for(server: LocalSmtpServer, password: str = "s3cret") -> SmtpClient:
    return SmtpClient(SmtpServer(server.host, server.port, user="mailer", password=password,
                                 starttls=False, timeout=5))


def escalation(to: str = "ada@example.com"):
    rendered = render("checkin.missed", {"due_at": "2030-01-07T09:00:00+01:00", "level": 2},
                      {"goal_title": "Run <100> km", "owner_name": "Ada"})
    return compose(rendered, to=to, sender=SENDER, link=LINK, unsubscribe_url=UNSUBSCRIBE)


def test_mail_is_multipart_text_and_html_with_one_click_unsubscribe(smtp):
    result = client_for(smtp).send(escalation())

    assert result.ok and result.status == 250
    [mail] = smtp.to("ada@example.com")
    assert mail["Subject"] == "Missed check-in: Run <100> km"
    assert mail["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    assert "Ada's check-in on Run <100> km was due 2030-01-07T09:00:00+01:00." in text
    assert "Escalation level 2 of 3." in text and f"Unsubscribe: {UNSUBSCRIBE}" in text
    assert "<strong>Run &lt;100&gt; km</strong>" in page
    assert f'href="{UNSUBSCRIBE}"' in page and f'href="{LINK}"' in page
    assert smtp.envelopes == [(SENDER, ["ada@example.com"])]


def bodies(mail) -> tuple[str, str]:
    return mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()


def test_a_link_typed_into_a_title_stays_text_and_only_the_mails_own_link_is_a_link():
    typed = "<https://evil.example/reset|Reset your password>"
    rendered = render("checkin.missed", {"due_at": "2030-01-07T09:00:00+01:00", "level": 2},
                      {"goal_title": typed, "owner_name": "Ada"})
    text, page = bodies(compose(rendered, to="ada@example.com", sender=SENDER, link=LINK,
                                unsubscribe_url=UNSUBSCRIBE))
    assert "evil.example" not in page.replace("&lt;https://evil.example/reset|", "")
    assert "&lt;https://evil.example/reset|Reset your password&gt;" in page
    assert f"on {typed} was due" in text  # as typed, not "Reset your password (https:...)"
    assert page.count("<a href=") == 2  # Open Goalkeeper, Unsubscribe


def test_a_sign_in_mail_links_its_one_link_once():
    link = "https://goalkeeper.example/sign-in/abc?next=%2Fgoals&x=1"
    mail = compose(sign_in_mail(link, datetime(2030, 1, 7, 10, 15, tzinfo=UTC)),
                   to="ada@example.com", sender=SENDER, link=link)
    text, page = bodies(mail)
    assert page.count("<a href=") == 1
    assert f'<a href="{link.replace("&", "&amp;")}">Sign in to Goalkeeper</a>' in page
    assert text.count(link) == 1 and f"Sign in to Goalkeeper ({link})" in text


def test_a_refused_recipient_is_a_permanent_refusal(smtp):
    smtp.refuse("gone@example.com", 550)

    result = client_for(smtp).send(escalation("gone@example.com"))

    assert result.status == 550 and refused(result)
    assert "no such user" in result.body
    assert smtp.to("gone@example.com") == []


def test_a_message_refused_at_data_is_a_permanent_refusal(smtp):
    smtp.refuse_data(554)

    result = client_for(smtp).send(escalation())

    assert result.status == 554 and refused(result)
    assert smtp.messages == []


def test_a_deferred_recipient_is_not_a_refusal_and_goes_through_on_retry(smtp):
    smtp.defer("busy@example.com", times=1)
    client = client_for(smtp)

    first = client.send(escalation("busy@example.com"))
    second = client.send(escalation("busy@example.com"))

    assert first.status == 451 and not first.ok and not refused(first)
    assert second.ok
    assert len(smtp.to("busy@example.com")) == 1


def test_wrong_credentials_and_no_server_are_retried_not_refusals(smtp):
    bad_login = client_for(smtp, password="wrong").send(escalation())
    nobody = SmtpClient(SmtpServer("127.0.0.1", free_port(), starttls=False,
                                   timeout=2)).send(escalation())

    assert not bad_login.ok and bad_login.status == 535
    assert nobody.status is None and "Connection" in nobody.error
    assert not refused(nobody)
    assert smtp.messages == []


class AsciiOnlySmtpServer(LocalSmtpServer):
    """A relay that does not advertise SMTPUTF8, as many do: it takes addresses in ASCII only."""

    def __init__(self):
        super().__init__()
        self._controller = Controller(self._controller.handler, hostname=self.host,
                                      port=self.port, enable_SMTPUTF8=False)


@pytest.fixture
def ascii_smtp():
    server = AsciiOnlySmtpServer().start()
    yield server
    server.stop()


def ascii_client(server: LocalSmtpServer) -> SmtpClient:
    return SmtpClient(SmtpServer(server.host, server.port, starttls=False, timeout=5))


def test_addresses_at_domains_with_accents_go_by_their_ascii_names_through_any_relay(
        ascii_smtp):
    """`ana@bücher.de`, and every mail from an SMTP_FROM at `équipe.fr`, were retried for a day
    through a relay without SMTPUTF8, never sent, though such a domain has an ASCII name
    (IDNA) that every relay takes."""
    to_them = ascii_client(ascii_smtp).send(escalation("ana@bücher.de"))
    from_us = ascii_client(ascii_smtp).send(compose(
        render("checkin.missed", {"due_at": "2030-01-07T09:00:00+01:00", "level": 1},
               {"goal_title": "Run", "owner_name": "Ada"}),
        to="ada@example.com", sender="Équipe <goals@équipe.fr>", link=LINK))

    assert (to_them.status, from_us.status) == (250, 250)
    assert ascii_smtp.envelopes == [(SENDER, ["ana@xn--bcher-kva.de"]),
                                    ("goals@xn--quipe-9ra.fr", ["ada@example.com"])]
    [mail] = ascii_smtp.to("ana@xn--bcher-kva.de")
    assert mail["Subject"] == "Missed check-in: Run <100> km"
    assert ascii_smtp.to("ada@example.com")[0]["From"] == "Équipe <goals@xn--quipe-9ra.fr>"


def test_an_address_with_accents_before_the_at_goes_as_written_through_a_relay_taking_them(
        smtp):
    result = client_for(smtp).send(escalation("zoë@example.com"))

    assert result.ok
    assert smtp.envelopes == [(SENDER, ["zoë@example.com"])]


def test_an_address_with_accents_before_the_at_waits_for_a_relay_taking_them(ascii_smtp):
    """Our relay without SMTPUTF8 cannot carry `zoë@example.com`: that is a setting of ours,
    as a STARTTLS it does not offer is. The mail says so and is retried; the address is not
    refused, which would stop its digests and escalations once the relay is changed."""
    result = ascii_client(ascii_smtp).send(escalation("zoë@example.com"))

    assert (result.status, refused(result)) == (None, False)
    assert result.error == ("The mail server (SMTP_HOST) does not offer SMTPUTF8, which "
                            "'zoë@example.com' needs (letters beyond ASCII before the @): use "
                            "a relay that offers it")
    assert ascii_smtp.envelopes == []


def test_a_domain_goes_by_the_ascii_name_registries_give_it_not_another_domains(ascii_smtp):
    """Python's "idna" codec (IDNA 2003) writes `faß.de` as `fass.de` and `straße.de` as
    `strasse.de`: other people's domains, where a member's sign-in links went. Registries
    write them as IDNA 2008 does."""
    sent = [ascii_client(ascii_smtp).send(escalation(to))
            for to in ("ana@faß.de", "ben@straße.de")]

    assert [r.status for r in sent] == [250, 250]
    assert ascii_smtp.envelopes == [(SENDER, ["ana@xn--fa-hia.de"]),
                                    (SENDER, ["ben@xn--strae-oqa.de"])]


def test_a_relay_without_starttls_is_ours_to_fix_whatever_the_address(ascii_smtp):
    """SMTP_STARTTLS on and a relay that does not offer it: retried as any setting of ours,
    never the address's refusal, even for one the relay could not take either."""
    client = SmtpClient(SmtpServer(ascii_smtp.host, ascii_smtp.port, starttls=True, timeout=5))

    result = client.send(escalation("zoë@example.com"))

    assert result.status is None and not refused(result)
    assert "STARTTLS" in result.error


def test_unsubscribe_tokens_are_signed():
    token = unsubscribe_token("secret", "member-1")

    assert member_of_token("secret", token) == "member-1"
    assert member_of_token("other-secret", token) is None
    assert member_of_token("secret", token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert member_of_token("secret", "garbage") is None
