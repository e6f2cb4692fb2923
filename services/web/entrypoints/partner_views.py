"""Partners: my accountability partners and the goals they let me see, inviting a teammate
to be one (and answering invitations); pairing rounds."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.web.adapters.api_client import (
    Forbidden,
    FormErrors,
    Listing,
    ServiceUnavailable,
    Unavailable,
)
from services.web.domain.board import goals_of_each, partner_ids_of
from services.web.domain.outage_text import not_saved
from services.web.domain.partnering import (
    INVITED_BEFORE,
    OPEN,
    invitable,
    invitations,
    not_invited,
)
from services.web.domain.sentence import full_stop
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import partners
from services.web.service_layer.lifecycle_form_handlers import resent_with_other_values


@partners.get("")
@http.member_required
def show():
    return _partners_page(200)


def _partners_page(status: int, **shown):
    """The partners page, with a refusal or what was sent (`shown`: the invite `form` or the
    `answer_form` of an invitation, kept with their keys)."""
    return render_template("partners/show.html", **{
        "invite_errors": {}, "form": {}, "answer_form": {}, **_partners_context(), **shown}), status


def _partners_context() -> dict:
    """The partners page's: my partners, each with the goals of theirs I may see; my open
    invitations; the teammates I may invite. It reads the team's open partnerships (ended
    ones are history)."""
    me = http.current_member()
    api = http.api()
    partnerships = api.partnerships(me.team_id, OPEN)
    down = isinstance(partnerships, Unavailable)
    mine = set() if down else partner_ids_of(partnerships, me.id)
    named = set() if down else {m for p in partnerships for m in p["member_ids"]}
    members, goals = api.together(lambda: api.teammates(me.team_id, named),
                                  lambda: api.goals(owner_id=sorted(mine)) if mine else Listing())
    names = {m["id"]: m["name"] for m in members or []}
    each = goals_of_each(goals or [], mine)
    return dict(
        partners_down=down, goals_down=isinstance(goals, Unavailable),
        cut=getattr(goals, "cut", False), names=names,
        partners=[{"id": pid, "name": names.get(pid, "a teammate"), "goals": each[pid]}
                  for pid in sorted(mine, key=lambda pid: names.get(pid, ""))],
        invitations=[] if down else invitations(partnerships, me.id),
        invitable=invitable(members or [], [] if down else partnerships, me.id))


@partners.post("/invitations")
@http.member_required
def invite():
    """Invite the teammate chosen to be my partner, once per the form's key: sent twice (a
    double click), the second gets the first answer. Refused, or with checkins down, the
    picker says why, the choice and the key kept (a form sent before with another choice
    shows under a new key, so sending it again invites this one too)."""
    me = http.current_member()
    typed = {"member_id": request.form.get("member_id", ""),
             "idempotency_key": http.form_key()}
    try:
        http.api().invite_partner(me.team_id, typed["member_id"], key=typed["idempotency_key"])
    except (FormErrors, Forbidden) as refused:
        errors = getattr(refused, "errors", {})
        again, why = (resent_with_other_values(typed, errors, INVITED_BEFORE, "member_id")
                      or (typed, {"member_id": [not_invited(refused.detail)]}))
        return _partners_page(refused.status, form=again, invite_errors=why)
    except ServiceUnavailable as down:
        why = not_saved(down.service, down.unsent, "the invitation was not sent",
                        "Send it again in a minute: it will not be sent twice.")
        return _partners_page(503, form=typed, invite_errors={"member_id": [why]})
    return redirect(url_for("partners.show") + "#invitations-h")


ANSWERED = {"accept": "accepted", "end": "answered"}


@partners.post("/invitations/<partnership_id>/<any(accept, end):answer>")
@http.member_required
def answer_invitation(partnership_id: str, answer: str):
    """Accept an invitation to me, or end one (declined, or withdrawn by whom sent it), once
    per the form's key: sent twice (a double click, or again after a timeout), the second gets
    the first answer. Refused, the page says why; with checkins down, the invitation's forms
    keep the key (sent again, it answers once)."""
    me = http.current_member()
    key = http.form_key()
    try:
        http.api().answer_partnership(me.team_id, partnership_id, answer, key=key)
    except (FormErrors, Forbidden) as refused:
        return _partners_page(refused.status, invitation_error=(
            full_stop(f"The invitation was not {ANSWERED[answer]}: {refused.detail}")))
    except ServiceUnavailable as down:
        why = not_saved(down.service, down.unsent, f"the invitation was not {ANSWERED[answer]}",
                        "Send it again in a minute: it will not be answered twice.")
        return _partners_page(503, invitation_error=why, answer_form={
            "partnership_id": partnership_id, "idempotency_key": key})
    return redirect(url_for("partners.show") + "#invitations-h")


@partners.get("/rounds")
@http.member_required
def rounds():
    """A page of the pairing rounds, newest first; "Older rounds" goes on from where it ends
    (`cursor`)."""
    return _rounds_page(200, cursor=request.args.get("cursor") or None)


def _rounds_page(status: int, cursor: str | None = None, **shown):
    """The pairing rounds from `cursor` (the newest without one; the page, or its fragment for
    htmx) under the "Run a pairing round now" form, with why a round was not run
    (`round_error`) and the key the form keeps (`round_key`; else a new one) when `shown`."""
    me = http.current_member()
    items = http.api().pairing_rounds(me.team_id, cursor)
    names = http.api().names(me.team_id, {i for r in items or [] for g in r["groups"] for i in g})
    template = "partners/_rounds.html" if http.is_htmx() else "partners/rounds.html"
    return render_template(template, rounds=items, names=names, cursor=cursor,
                           rounds_down=isinstance(items, Unavailable), **shown), status


@partners.post("/rounds")
@http.member_required
def run_round():
    """Run a pairing round (the checkins service says who may: a lead), once per form: sent
    twice (a double click), its key runs one round and answers both. A refusal shows its
    reason on the partners page, above its rounds; checkins down, the rounds page says what
    was not done above the form, which keeps its key (sent again, it runs one round)."""
    key = http.form_key()
    try:
        http.api().run_round(http.current_member().team_id, key=key)
    except (FormErrors, Forbidden) as refused:
        why = full_stop(f"No round was run: {refused.detail}")
        return _partners_page(refused.status, round_error=why)
    except ServiceUnavailable as down:
        why = not_saved(down.service, down.unsent, "the pairing round was not run",
                        "Send the form again in a minute: it will not run a second round.")
        return _rounds_page(503, round_error=why, round_key=key)
    return redirect(url_for("partners.rounds"))
