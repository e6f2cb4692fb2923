"""Signing in: with an API token, an invite link or an emailed sign-in link; signing out."""

from __future__ import annotations

from collections.abc import Callable

from flask import redirect, render_template, request, url_for

from services.web.adapters.api_client import (
    Forbidden,
    FormErrors,
    NotFound,
    ServiceUnavailable,
    SignedOut,
)
from services.web.domain.outage_text import not_saved
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import auth

MANGLED = ("this link is not one Goalkeeper made: check that it was copied whole, without "
           "anything after it")
NO_EMAIL = "Enter the email address your team has for you."
MEMBER_LEFT_TEXT = ("You are no longer a member of this team, so no token signs you in to it "
                    "any more.")


@auth.get("/signin")
def sign_in_form():
    ended = request.args.get("ended")
    left = ended == http.ENDED_LEFT
    return render_template("auth/signin.html", ended=ended == "1",
                           signed_out=ended == http.ENDED_OUT,
                           member_left_text=MEMBER_LEFT_TEXT if left else None,
                           next=_next_url(), errors={})


@auth.post("/signin")
def sign_in():
    token = request.form.get("token", "").strip()
    claims = http.claims_of(token)
    try:
        if not claims:
            raise SignedOut("not a Goalkeeper token")
        member = http.container().api.as_member(token).member(claims["team_id"],
                                                              claims["member_id"])
    except (SignedOut, NotFound) as refused:
        errors = {"token": [_token_refused(refused)]}
        return render_template("auth/signin.html", ended=False, next=_next_url(),
                               errors=errors), 422
    except ServiceUnavailable:
        errors = {"token": ["Sign-in is unavailable right now: the goals service does not "
                            "answer. Try again in a minute."]}
        return render_template("auth/signin.html", ended=False, next=_next_url(),
                               errors=errors), 503
    http.sign_in(token, member)
    return redirect(_next_url() or url_for("board.show"))


@auth.get("/invite/<code>")
def invite(code: str):
    """A button, not an automatic sign-in: link previews must not use up the one-time link."""
    return render_template("auth/invite.html", code=code)


@auth.post("/invite/<code>")
def accept_invite(code: str):
    return _redeem_and_sign_in(http.container().api.redeem_invite, code,
                               "auth/invite_refused.html")


@auth.post("/signin/email")
def email_link():
    """A sign-in link mailed to the address typed; a blank one is refused here, in one
    sentence (the goals API has two for it: not an address, too short)."""
    email = request.form.get("email", "").strip()
    if not email:
        return _email_form(email, {"email": [NO_EMAIL]}), 422
    try:
        http.container().api.request_sign_in_link(email)
    except FormErrors as refused:
        errors = {"email": refused.errors.get("email") or [refused.detail]}
        return _email_form(email, errors), refused.status
    except ServiceUnavailable as down:
        errors = {"email": [not_saved(down.service, down.unsent, "the sign-in link was not sent",
                                      "If none arrives in a few minutes, send it again.")]}
        return _email_form(email, errors), 503
    return _email_form(email, {}, mailed=True), 202


def _email_form(email: str, errors: dict, mailed: bool = False) -> str:
    return render_template("auth/signin.html", ended=False, next=_next_url(), errors=errors,
                           email=email, mailed=mailed)


@auth.get("/sign-in/<code>")
def email_sign_in(code: str):
    """A button, not an automatic sign-in: mail scanners must not use up the one-time link."""
    return render_template("auth/sign_in_link.html", code=code)


@auth.post("/sign-in/<code>")
def accept_email_sign_in(code: str):
    return _redeem_and_sign_in(http.container().api.redeem_sign_in_link, code,
                               "auth/sign_in_link_refused.html")


@auth.post("/signout")
def sign_out():
    http.sign_out()
    return redirect(url_for("auth.sign_in_form", ended=http.ENDED_OUT))


def _redeem_and_sign_in(redeem: Callable[[str, str | None], dict], code: str,
                        refused_template: str):
    """Sign in with a one-time link's `code`, or say why it was refused: its member is no longer
    in the team (403: no new link would do), used up or expired (410), or never issued (404;
    a code goals would never make, 422 from it, too).
    The form's key goes with it, so a double click signs in twice instead of being refused."""
    try:
        signed_in = redeem(code, http.form_key())
    except Forbidden as left:
        return render_template("auth/no_longer_a_member.html", detail=left.detail), 403
    except FormErrors as refused:
        if "code" in refused.errors:  # no code goals makes: the link was cut or ran on when copied
            return render_template(refused_template, detail=MANGLED), 404
        return render_template(refused_template, detail=refused.detail), 410
    except NotFound as missing:
        return render_template(refused_template, detail=str(missing)), 404
    http.sign_in(signed_in.pop("token"), signed_in)
    return redirect(url_for("board.show"))


def _token_refused(refused: SignedOut | NotFound) -> str:
    """What the sign-in form says of a token the API refused: a member who left the team is
    told so, since no token a lead could give them would do."""
    if isinstance(refused, SignedOut) and refused.member_left:
        return MEMBER_LEFT_TEXT
    return "That token was not accepted. Ask a lead for a fresh one."


def _next_url() -> str:
    return http.local_path(request.values.get("next", ""))
