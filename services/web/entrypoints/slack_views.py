"""A member links their Slack user: the Slack app's Home tab sends them here with a ticket."""

from __future__ import annotations

from flask import render_template, request

from services.web.adapters.api_client import Forbidden, FormErrors
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import slack


@slack.get("/link")
@http.member_required
def link():
    """A button, not an automatic link: signing in first comes back here (`next`)."""
    return render_template("slack/link.html", ticket=request.args.get("ticket", ""))


@slack.post("/link")
@http.member_required
def confirm_link():
    try:
        linked = http.api().link_my_slack(request.form.get("ticket", ""))
    except (Forbidden, FormErrors) as refused:
        return render_template("slack/link.html", ticket="", refused=refused.detail), 403
    return render_template("slack/link.html", ticket="", linked=linked)
