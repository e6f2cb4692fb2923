"""A member links their Slack user: the Slack app's Home tab sends them here with a ticket."""

from __future__ import annotations

from flask import render_template, request

from services.web.adapters.api_client import Forbidden, FormErrors, ServiceUnavailable
from services.web.domain.outage_text import not_saved
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import slack

NOT_MADE = ("this link is not one Goalkeeper's Slack app made: open Goalkeeper's Home tab in "
            "Slack and use its link button again")  # a ticket refused as sent (cut or run on)


@slack.get("/link")
@http.member_required
def link():
    """A button, not an automatic link: signing in first comes back here (`next`)."""
    return render_template("slack/link.html", ticket=request.args.get("ticket", ""))


@slack.post("/link")
@http.member_required
def confirm_link():
    """The Slack user linked (sent again by the member it linked, as the first time);
    refused, why, with the refusal's status (403 a ticket unknown, used or expired; 409 a
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
    return render_template("slack/link.html", ticket="", linked=linked)
