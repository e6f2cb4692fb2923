"""HTTP views of email: the one-click unsubscribe link of every digest and escalation mail.

Mail clients POST `List-Unsubscribe=One-Click` to it (RFC 8058); the signed token in the path
is the only credential. A GET (a person clicking the link in the mail) only shows a button
that POSTs, so a link scanner following it unsubscribes no one.
"""

from __future__ import annotations

from html import escape

from flask import request
from flask.views import MethodView

from services.notifications.entrypoints.blueprints import email
from services.notifications.entrypoints.email_schemas import Unsubscribed
from services.notifications.service_layer.commands import Unsubscribe
from shared.web import bus

PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>Unsubscribe</title></head>'
        '<body style="font-family:sans-serif"><h1>Stop Goalkeeper emails?</h1>'
        '<p>You will no longer get digests and missed check-in emails. Sign-in links still '
        'arrive.</p><form method="post" action="{action}"><input type="hidden" '
        'name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button>'
        "</form></body></html>")


@email.route("/unsubscribe/<token>")
class UnsubscribeView(MethodView):
    @email.response(200, Unsubscribed)
    @email.alt_response(404, description="The link was not signed by Goalkeeper.")
    @email.doc(security=[])
    def post(self, token):
        """One-click unsubscribe (no sign-in: the signed token is the proof); 404 if unsigned."""
        bus().handle(Unsubscribe(token))
        return {"unsubscribed": True}

    @email.doc(security=[], responses={200: {
        "description": "A page with the unsubscribe button (shown for any link; the POST "
                       "checks its signature).",
        "content": {"text/html": {"schema": {"type": "string"}}}}})
    def get(self, token):
        """The page a person reaches from the mail's link: a button that POSTs here."""
        return PAGE.format(action=escape(request.path)), 200, {
            "Content-Type": "text/html; charset=utf-8"}
