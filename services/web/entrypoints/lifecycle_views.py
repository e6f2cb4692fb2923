"""Moving a goal on from its page (activate, achieve, close, reopen) and its milestones. Each
form posts and comes back to the goal page; a refusal shows the goals API's reason there, with
what was typed. Sent while goals is down, the form shows again with what was typed, under why it
was not saved (503)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.web.adapters.api_client import (
    Forbidden,
    FormErrors,
    ServiceUnavailable,
    Unavailable,
)
from services.web.domain.board import CLOSED, CURRENT
from services.web.domain.goal_access import may_change, why_not
from services.web.domain.outage_text import not_saved
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import goals
from services.web.entrypoints.goal_views import AGAIN, goal_page, unsaved_page
from services.web.service_layer import lifecycle_form_handlers as forms

NOT_DONE = {"activate": "Not activated", "achieve": "Not marked achieved",
            "reopen": "Not reopened", "complete": "Not marked done"}
DONE = {"activate": "activated", "achieve": "marked achieved", "reopen": "reopened",
        "complete": "marked done"}


@goals.post("/<goal_id>/<any(activate, achieve, reopen):move>")
@http.member_required
def move_goal(goal_id: str, move: str):
    """The move, once per the form's key: a double click gets the first answer again."""
    key = http.form_key()
    try:
        http.api().move_goal(goal_id, move, key=key)
    except (FormErrors, Forbidden) as refused:
        return goal_page(goal_id, refused.status,
                         move_error=f"{NOT_DONE[move]}: {refused.detail}")
    except ServiceUnavailable as down:
        return unsaved_page(goal_id, down, f"the goal was not {DONE[move]}", AGAIN,
                            "goals/_moves.html", moves=[move], move_key=key)
    return redirect(url_for("goals.show", goal_id=goal_id) + "#moves")


@goals.get("/<goal_id>/close")
@http.member_required
def close_form(goal_id: str):
    """The close form, to whom may close the goal; to anyone else, why not: 403 when they may
    not change it, 409 when it is no longer open (the goals service's answers to its post).
    Once this session closed it, that it is closed, with its outcome. Never kept by the
    browser (no-store): Back, after the close, asks again and says so, rather than offering
    the form once more."""
    choices = _close_choices(goal_id)
    goal = choices["goal"]
    if http.done_here("close", goal_id) and goal.get("status") in CLOSED:
        return http.not_kept(render_template("goals/close.html", goal=goal, closed=True))
    _refuse_unless_closable(goal)
    page, status = _close_page(choices, {"outcome": "partial"}, {}, 200)
    return http.not_kept(page), status


def _refuse_unless_closable(goal: dict) -> None:
    if "status" not in goal:  # goals is down: the form shows, and its post will say
        return
    me = http.current_member()
    why = why_not(goal, me.id, me.is_lead, "close")
    if why is not None and not may_change(goal, me.id, me.is_lead):
        raise Forbidden(why)
    if why is not None:
        raise FormErrors(why, status=409)


@goals.post("/<goal_id>/close")
@http.member_required
def close(goal_id: str):
    """The close, once per the form's key: a double click gets the first answer again, and
    another close of a goal closed meanwhile is refused (409); closed, off to the goal's page
    (303), and the session keeps which goal it closed, for the close form's page to say so."""
    typed = forms.typed(request.form, (*forms.CLOSE_FIELDS, "idempotency_key"))
    try:
        http.api().close_goal(goal_id, forms.closing_from_form(typed), key=http.form_key())
    except (FormErrors, Forbidden) as refused:
        again, errors = forms.close_refused(typed, refused.detail,
                                            getattr(refused, "errors", {}))
        return _close_page(_close_choices(goal_id), again, errors, refused.status)
    except ServiceUnavailable as down:
        return _close_page(_close_choices(goal_id), typed, {"_": [not_saved(
            down.service, down.unsent, "the goal was not closed", AGAIN)]}, 503)
    http.remember_done("close", goal_id)
    return redirect(url_for("goals.show", goal_id=goal_id) + "#moves", 303)


def _close_choices(goal_id: str) -> dict:
    """The close form's goal, and the team's current goals that may replace it, in one goals
    call (a closable goal is one of them). With the goals service down, the goal is its id."""
    api = http.api()
    candidates = api.goals(status=list(CURRENT))
    goal = next((g for g in candidates or [] if g["id"] == goal_id), None)
    if goal is None:  # not closable now, or no such goal (404), or goals is down
        goal = {"id": goal_id} if isinstance(candidates, Unavailable) else api.goal(goal_id)
    return {"goal": goal, "candidates": [g for g in candidates or [] if g["id"] != goal_id],
            "candidates_down": isinstance(candidates, Unavailable)}


def _close_page(choices: dict, typed: dict, errors: dict, status: int):
    """The close form with what was typed; with the goals service down it still shows it,
    and says so."""
    return render_template("goals/close.html", form=typed, errors=errors,
                           outcomes=forms.OUTCOMES, **choices), status


@goals.post("/<goal_id>/milestones")
@http.member_required
def add_milestone(goal_id: str):
    key = http.form_key()
    typed = {**forms.typed(request.form, forms.MILESTONE_FIELDS), "idempotency_key": key}
    try:
        http.api().add_milestone(goal_id, forms.milestone_from_form(typed), key=key)
    except (FormErrors, Forbidden) as refused:
        again, errors = forms.milestone_refused(typed, refused.detail,
                                                getattr(refused, "errors", {}))
        return goal_page(goal_id, refused.status, milestone_form=again, milestone_errors=errors,
                         milestone_without_form=forms.milestone_refusal_without_form(typed,
                                                                                     errors))
    except ServiceUnavailable as down:  # the same key again adds it once
        return unsaved_page(goal_id, down, "the milestone was not added",
                            "Send the form again in a minute: it will not be added twice.",
                            "goals/_milestone_form.html", milestone_form=typed)
    return redirect(url_for("goals.show", goal_id=goal_id) + "#milestones-h")


@goals.post("/<goal_id>/milestones/<milestone_id>/<any(complete, reopen):move>")
@http.member_required
def move_milestone(goal_id: str, milestone_id: str, move: str):
    """The move, once per the form's key: a double click gets the first answer again."""
    key = http.form_key()
    try:
        http.api().move_milestone(goal_id, milestone_id, move, key=key)
    except (FormErrors, Forbidden) as refused:
        return goal_page(goal_id, refused.status,
                         milestone_error=f"{NOT_DONE[move]}: {refused.detail}")
    except ServiceUnavailable as down:
        milestone = {"id": milestone_id, "title": "this milestone", "done": move == "reopen"}
        return unsaved_page(goal_id, down, f"the milestone was not {DONE[move]}", AGAIN,
                            "goals/_milestone_move.html", m=milestone, move_key=key)
    return redirect(url_for("goals.show", goal_id=goal_id) + f"#m-{milestone_id}")
