"""A member links their Slack user: the Slack app's Home tab sends them here with a ticket."""

from __future__ import annotations

import hashlib

from flask import redirect, render_template, request, session, url_for

from services.web.adapters.api_client import Forbidden, FormErrors, ServiceUnavailable
from services.web.domain.outage_text import not_saved
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import slack

NOT_MADE = ("this link is not one Goalkeeper's Slack app made: open Goalkeeper's Home tab in "
            "Slack and use its link button again")  # a ticket refused as sent (cut or run on)


LINKED = "slack_linked"  # the session's record of the ticket it linked, and to which Slack user


def _ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode()).hexdigest()


@slack.get("/link")
@http.member_required
def link():
    """A button, not an automatic link: signing in first comes back here (`next`); once this
    session linked the ticket, that it is linked. Never kept by the browser (no-store): Back,
    after the link, asks again and says so, rather than offering the button once more."""
    ticket = request.args.get("ticket", "")
    kept = session.get(LINKED) or {}
    linked = kept if ticket and kept.get("ticket") == _ticket_hash(ticket) else None
    return http.not_kept(render_template("slack/link.html", ticket=ticket, linked=linked))


@slack.post("/link")
@http.member_required
def confirm_link():
    """The Slack user linked (sent again by the member it linked, as the first time), and
    off to the link's page (303), which says so from then on (the session keeps the ticket's
    hash); refused, why, with the refusal's status (403 a ticket unknown, used or expired; 409 a
    Slack user already a teammate's; 422 a ticket not sent as the app makes them); with
    notifications down, the same button again (503) under why the account was not linked."""
    ticket = request.form.get("ticket", "")
    try:
        linked = http.api().link_my_slack(ticket)
    except (Forbidden, FormErrors) as refused:
        why = NOT_MADE if "ticket" in getattr(refused, "errors", {}) else refused.detail
        return render_template("slack/link.html", ticket="", refused=why), refused.status
    except ServiceUnavailable as down:
        return render_template("slack/link.html", ticket=ticket, error=not_saved(
            down.service, down.unsent, "your Slack account was not linked",
            "Send it again in a minute: it links you once.")), 503
    session[LINKED] = {"ticket": _ticket_hash(ticket), "slack_user_id": linked["slack_user_id"]}
    return redirect(url_for("slack.link", ticket=ticket), 303)
