"""Email: the message a member receives, its one-click unsubscribe, and suppressed addresses.

Mail is multipart (plain text and HTML) from the same `Rendered` content as Slack and Teams.
Mail a member may opt out of (digests, escalations) carries `List-Unsubscribe` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058) with a signed URL; a POST to it
unsubscribes without signing in. Sign-in links are transactional: no unsubscribe header, and
they still go to an unsubscribed address, but never to one that refused or bounced mail.

An SMTP reply of 5xx on RCPT or DATA suppresses the address: digests and escalations stop
until a mail to it is accepted, sign-in links pause for `REFUSAL_PAUSE` from the last refusal
(the member who fixed their mailbox asks again after that, and a new refusal starts the pause
again; the link accepted ends the stop); 4xx is retried with backoff like any other delivery.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import idna

from services.notifications.domain.digest import PERSONAL_DIGEST_EVENT
from services.notifications.domain.messages import BOLD, own_links
from services.notifications.domain.notification import SendResult
from services.notifications.domain.render import Rendered
from shared.moments import MAIL_FORMAT, in_zone

MAIL_POLICY = policy.SMTP.clone(max_line_length=998)  # List-Unsubscribe stays on one line
EMAILED_TYPES = ("checkin.missed", PERSONAL_DIGEST_EVENT)  # what members also get by mail
UNSUBSCRIBE_PATH = "/email/unsubscribe/"  # outside /v1: no bearer token, the link is the proof
UNSUBSCRIBED = "unsubscribed"
REFUSED = "refused"
REFUSAL_PAUSE = timedelta(hours=1)  # sign-in links to a refused address wait this long
SENDER_NAME = "Goalkeeper"  # the From name when SMTP_FROM gives an address alone
_PURPOSE = b"goalkeeper-unsubscribe:"


class Suppression:
    """An address mail no longer goes to: refused/bounced by its server, or unsubscribed."""

    def __init__(self, address: str, reason: str, at: datetime, *, member_id: str | None = None,
                 detail: str = ""):
        self.address = normalise(address)
        self.reason = reason
        self.member_id = member_id
        self.detail = detail[:500]
        self.at = at

    def blocks(self, transactional: bool, now: datetime) -> bool:
        """Unsubscribed: all but transactional mail. Refused: all mail, but transactional mail
        (sign-in links) only within `REFUSAL_PAUSE` of the last refusal."""
        if not transactional:
            return True
        return self.reason == REFUSED and now < self.at + REFUSAL_PAUSE


@dataclass(frozen=True)
class Mail:
    """One mail waiting in the delivery queue: to whom (the member, when known), what, and
    whether it is transactional (sign-in links: no unsubscribe link, sent after unsubscribing)."""

    to: str
    rendered: Rendered
    link: str | None = None
    member_id: str | None = None
    transactional: bool = False

    @property
    def unsubscribes(self) -> str | None:
        """The member its one-click unsubscribe link stops mailing, if it has one."""
        return None if self.transactional else self.member_id

    def dumps(self) -> str:
        r = self.rendered
        return json.dumps({"to": self.to, "title": r.title, "lines": r.lines,
                           "summary": r.summary, "link": self.link, "member_id": self.member_id,
                           "transactional": self.transactional})

    @classmethod
    def loads(cls, body: str) -> Mail:
        d = json.loads(body)
        return cls(d["to"], Rendered(d["title"], d["lines"], d["summary"]), d.get("link"),
                   d.get("member_id"), d.get("transactional", False))


def in_readers_zone(rendered: Rendered, timezone: str | None) -> Rendered:
    """`rendered` with each moment in the reader's zone, named ("was due Mon 07 Dec 2026,
    10:00 CET", not "2026-12-07T09:00:00+00:00"); in UTC when their zone is unknown."""
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return Rendered(in_zone(rendered.title, zone, MAIL_FORMAT),
                    [in_zone(line, zone, MAIL_FORMAT) for line in rendered.lines],
                    in_zone(rendered.summary, zone, MAIL_FORMAT))


def sign_in_mail(link: str, expires_at: datetime) -> Rendered:
    when = expires_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    return Rendered("Your Goalkeeper sign-in link",
                    [f"<{link}|Sign in to Goalkeeper>",
                     f"The link works once and expires at {when}.",
                     "If you did not ask to sign in, ignore this mail."],
                    "Sign-in link")


def normalise(address: str) -> str:
    return address.strip().lower()


def refused(result: SendResult) -> bool:
    """The receiving server refused this address for good (5xx on RCPT or DATA); a 5xx to our
    login or sender address is our fault, not the address's, and is retried."""
    return result.refused


# -- one-click unsubscribe ----------------------------------------------------------------------
def unsubscribe_token(secret: str, member_id: str) -> str:
    payload = base64.urlsafe_b64encode(member_id.encode()).decode().rstrip("=")
    return f"{payload}.{_mac(secret, payload)}"


def unsubscribe_url(base_url: str, secret: str, member_id: str) -> str:
    return f"{base_url.rstrip('/')}{UNSUBSCRIBE_PATH}{unsubscribe_token(secret, member_id)}"


def member_of_token(secret: str, token: str) -> str | None:
    """The member a token unsubscribes, or None when it was not signed by us."""
    if not token.isascii():  # we only sign base64 and hex
        return None
    payload, _, mac = token.partition(".")
    if not payload or not hmac.compare_digest(_mac(secret, payload), mac):
        return None
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except ValueError:
        return None


def _mac(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), _PURPOSE + payload.encode(), hashlib.sha256).hexdigest()[:32]


# -- the message --------------------------------------------------------------------------------
def compose(rendered: Rendered, *, to: str, sender: str, link: str | None = None,
            unsubscribe_url: str | None = None) -> EmailMessage:
    """The mail from `sender` (SMTP_FROM, see `sender_address`) to the address `to`."""
    message = EmailMessage(policy=MAIL_POLICY)
    sent_by = sender_address(sender)
    message["Subject"] = _plain(rendered.title, link)
    message["From"] = sent_by
    message["To"] = ascii_domain(to)
    message["Message-ID"] = make_msgid(domain=sent_by.domain or None)
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text_body(rendered, link, unsubscribe_url))
    message.add_alternative(html_body(rendered, link, unsubscribe_url), subtype="html")
    return message


def sender_address(sender: str) -> Address:
    """SMTP_FROM as the mail's From: an address alone (`goalkeeper@example.com`) is named
    `SENDER_NAME`; a name and an address (`Équipe, Objectifs <goals@example.com>`, quoted or
    not) keep that name as written, commas and non-ASCII letters included (encoded as mail
    headers need). The envelope sender is the address. ValueError when there is no address
    with a domain in it (`config` refuses such an SMTP_FROM at start-up)."""
    name, bracket, rest = sender.strip().rpartition("<")
    if not bracket or not rest.endswith(">"):
        name, rest = "", sender.strip() + ">"
    try:
        address = Address(display_name=name.strip().strip('"').strip() or SENDER_NAME,
                          addr_spec=rest[:-1].strip())
    except (ValueError, IndexError) as exc:  # what the header parser makes of no address
        raise ValueError(f"{sender!r} is not an address nor a name and address") from exc
    if not address.username or not address.domain:
        raise ValueError(f"{sender!r} is not an address nor a name and address")
    return Address(display_name=address.display_name, username=address.username,
                   domain=ascii_name(address.domain))


def ascii_domain(address: str) -> str:
    """`address` at its domain's ASCII name (`ana@bücher.de` as `ana@xn--bcher-kva.de`), which
    every mail server takes, where one without SMTPUTF8 refuses the domain as written. Letters
    beyond ASCII before the @ have no such form: they stay, for a server with SMTPUTF8."""
    local, at, domain = address.rpartition("@")
    return f"{local}@{ascii_name(domain)}" if at else address


def ascii_name(domain: str) -> str:
    """`domain` by its ASCII name, as registries give it (IDNA 2008 with UTS 46: `faß.de` is
    `xn--fa-hia.de`; Python's "idna" codec, IDNA 2003, makes it `fass.de`, another domain); as
    it is when it has none (an empty label, one too long, a joiner), for the mail server to
    refuse or take as written."""
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return domain


def text_body(rendered: Rendered, link: str | None, unsubscribe_url: str | None) -> str:
    lines = [_plain(rendered.title, link), "", *(_plain(line, link) for line in rendered.lines)]
    if link and not _shows(rendered, link):
        lines += ["", f"Open Goalkeeper: {link}"]
    if unsubscribe_url:
        lines += ["", f"Unsubscribe: {unsubscribe_url}"]
    return "\n".join(lines) + "\n"


def html_body(rendered: Rendered, link: str | None, unsubscribe_url: str | None) -> str:
    parts = [f"<h1>{_html(rendered.title, link)}</h1>"]
    for line in rendered.lines:
        if line.startswith("> "):
            parts.append(f"<blockquote>{_html(line[2:], link)}</blockquote>")
        else:
            parts.append(f"<p>{_html(line, link)}</p>")
    if link and not _shows(rendered, link):
        parts.append(f'<p><a href="{html.escape(link)}">Open Goalkeeper</a></p>')
    if unsubscribe_url:
        parts.append(f'<p><small><a href="{html.escape(unsubscribe_url)}">Unsubscribe</a> '
                     "from these emails.</small></p>")
    return ('<!doctype html><html><body style="font-family:sans-serif">'
            + "".join(parts) + "</body></html>\n")


def _shows(rendered: Rendered, link: str) -> bool:
    """Whether a line already links to `link` (a sign-in mail's one link)."""
    return any(f"<{link}|" in line for line in rendered.lines)


def _plain(text: str, link: str | None) -> str:
    return BOLD.sub(r"\1", own_links(text, link, lambda url, label: f"{label} ({url})"))


def _html(text: str, link: str | None) -> str:
    linked = own_links(text, link, _anchor, html.escape)
    return BOLD.sub(r"<strong>\1</strong>", linked)


def _anchor(url: str, label: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(label)}</a>'

