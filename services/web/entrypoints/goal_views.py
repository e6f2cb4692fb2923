"""A goal's page: the pace road, milestones, history, check-ins, the check-in form and the
Edit goal form (moving the goal on and its milestones: `lifecycle_views`)."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for

from services.web.adapters.api_client import (
    Forbidden,
    FormErrors,
    MemberApi,
    NotFound,
    ServiceUnavailable,
    Stale,
    Unavailable,
    or_unavailable,
)
from services.web.domain.board import CURRENT
from services.web.domain.goal_access import (
    may_change,
    may_change_metric,
    may_check_in,
    may_plan,
    metric_kept,
    moves,
)
from services.web.domain.outage_text import not_saved
from services.web.domain.sentence import upper_first
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import goals
from services.web.entrypoints.week_views import week_context
from services.web.service_layer import edit_form_handlers as edit_forms
from services.web.service_layer import goal_form_handlers as forms
from services.web.service_layer import progress_handlers
from services.web.service_layer.lifecycle_form_handlers import refusal_errors

CHECKIN_FIELDS = ("value", "delta", "note", "confidence", "blockers")
# Goals and check-ins are never deleted: one the page showed and an API now says is not found
# is hidden from the member (the goal made private).
GONE = "you no longer have access to this goal"


def _moment() -> progress_handlers.Moment:
    """This request's moment: the clock read once, in the signed-in member's time zone."""
    web = http.container()
    return progress_handlers.Moment(web.clock.now(), http.member_zone(),
                                    web.settings.goal_refresh_seconds)


def page_context(goal_id: str) -> dict:
    """The goal page's: its progress, whether the member may check in (else who does), and what
    else they may do to it: plan, move it on, edit it (its metric's target while the goal is
    neither closed nor achieved, as the goals service keeps such a goal's metric)."""
    api = http.api()
    context = progress_handlers.progress(api, goal_id, _moment())
    goal, me = context["goal"], http.current_member()
    may = may_check_in(goal, me.id)
    owner, parent = api.together(
        lambda: "" if may else api.names(me.team_id, {goal["owner_id"]}).get(goal["owner_id"]),
        lambda: _parent_of(api, goal))
    metric = may_change_metric(goal, me.id, me.is_lead)
    return {**context, "may_check_in": may, "owner_name": owner or "its owner", "parent": parent,
            "may_plan": may_plan(goal, me.id, me.is_lead),
            "moves": moves(goal, me.id, me.is_lead),
            "may_edit": may_change(goal, me.id, me.is_lead), "may_change_metric": metric,
            "metric_kept": metric_kept(goal),
            "edit_form": edit_forms.form_of(goal, metric), "edit_errors": {}}


def _parent_of(api: MemberApi, goal: dict) -> dict | None:
    """The team goal `goal` is aligned to, as the member sees it; None when it has none, or the
    member may not see it (404, 403), or goals does not answer: the page then says "its parent
    goal"."""
    if not goal.get("parent_id"):
        return None
    try:
        return api.goal(goal["parent_id"])
    except (NotFound, Forbidden, ServiceUnavailable):
        return None


def goal_page(goal_id: str, status: int, context: dict | None = None,
              undone: str = "nothing was saved", **shown):
    """The goal page again (its `page_context`, if read already), with a refusal and what was
    typed (`shown`); a page saying plainly that `undone` (the refused form's "your kudos were
    not given") because the member no longer has access to the goal, when its page is
    refused too (404)."""
    try:
        context = {**(context or page_context(goal_id)), **shown}
    except NotFound:
        why = f"{upper_first(undone)}: {GONE}."
        return render_template("goals/no_access.html", why=why), 404
    return render_template("goals/show.html", form={}, errors={}, saved=False, **context), status


def unsaved_page(goal_id: str, down: ServiceUnavailable, undone: str, resend: str,
                 form_template: str, **shown):
    """A form sent while goals was down, shown again with what was typed (`shown`) under why
    it was not saved (503): the goal page itself needs the goals service."""
    why = not_saved(down.service, down.unsent, undone, resend)
    return render_template("goals/unsaved.html", why=why, form_template=form_template,
                           goal={"id": goal_id}, **shown), 503


@goals.get("/<goal_id>")
@http.member_required
def show(goal_id: str):
    context = page_context(goal_id)
    return render_template("goals/show.html", form={}, errors={}, saved=False, **context)


AGAIN = "Send it again in a minute (if it was, the goal page will say so)."
CHANGED = ("Not saved: this goal was changed since you opened it. It is shown as it is now, "
           "with what you typed kept in the form: check it and save again.")


@goals.post("/<goal_id>/edit")
@http.member_required
def edit(goal_id: str):
    """Change the goal as it was when the form was drawn (its version, or a later one that
    changed nothing the form edits); if something it edits changed since, nothing is saved
    (409) and the form keeps what was typed over the goal as it is now."""
    typed = edit_forms.typed(request.form)
    try:
        edit_forms.save(http.api(), goal_id, typed)
    except Stale:
        context = page_context(goal_id)
        again = edit_forms.as_read_now(typed, context["goal"], context["may_change_metric"])
        return goal_page(goal_id, 409, context, edit_form=again, edit_errors={"_": [CHANGED]})
    except FormErrors as refused:
        errors = refusal_errors(refused.detail, refused.errors, edit_forms.FIELDS)
        return goal_page(goal_id, refused.status, edit_form=typed, edit_errors=errors)
    except ServiceUnavailable as down:
        return unsaved_page(goal_id, down, "the goal was not changed", AGAIN,
                            "goals/_edit_form.html", edit_form=typed, edit_errors={})
    return redirect(url_for("goals.show", goal_id=goal_id))


@goals.get("/<goal_id>/progress")
@http.member_required
def progress(goal_id: str):
    """The progress part again, for the page's refresh; nothing (204: htmx keeps what the page
    shows) while what it is drawn from is still as `drawn` says, which the goal and a page of
    its newest check-in tell (`progress_handlers.progress_unless_drawn`), or while goals does
    not answer. With it, the check-in list again (swapped out of band) when the check-ins
    changed since it was drawn (`listed`)."""
    part = progress_handlers.progress_unless_drawn(
        http.api(), goal_id, request.args.get("drawn"), request.args.get("listed"), _moment())
    if part is None or isinstance(part, Unavailable):
        return "", 204
    return render_template("goals/_progress_again.html", **part)


@goals.get("/<goal_id>/checkins")
@http.member_required
def checkin_list(goal_id: str):
    """The newest check-ins, or with `cursor` the older ones: swapped in below the list by
    htmx, else a page of their own, of a goal the member sees (checkins answers a goal it does
    not know with none: whether it exists is goals' word, unless goals does not answer)."""
    api, cursor = http.api(), request.args.get("cursor") or None
    if http.is_htmx():  # below the goal's page, which found the goal
        checkins = api.checkins(goal_id, cursor)
    else:
        _, checkins = api.together(lambda: or_unavailable(api.goal)(goal_id),
                                   lambda: api.checkins(goal_id, cursor))
    down = isinstance(checkins, Unavailable)
    template = "goals/_checkins.html" if http.is_htmx() else "goals/checkins.html"
    return render_template(template, goal={"id": goal_id},
                           checkins=[] if down else checkins, checkins_down=down)


@goals.get("/<goal_id>/history")
@http.member_required
def history(goal_id: str):
    items = http.api().history(goal_id)
    template = "goals/_history.html" if http.is_htmx() else "goals/history.html"
    return render_template(template, goal_id=goal_id, items=items,
                           history_down=isinstance(items, Unavailable))


@goals.post("/<goal_id>/checkins")
@http.member_required
def check_in(goal_id: str):
    form = {name: request.form.get(name, "").strip() for name in CHECKIN_FIELDS}
    key = http.form_key()
    try:
        http.api().log_checkin(goal_id, forms.checkin_from_form(form), key=key)
    except FormErrors as refused:
        return _checkin_form(goal_id, {**form, "idempotency_key": key},
                             forms.checkin_errors(refused.detail, refused.errors),
                             refused.status)
    except Forbidden as refused:
        return _checkin_form(goal_id, {**form, "idempotency_key": key},
                             {"_": [forms.checkin_refused(refused.detail)]}, 403)
    except ServiceUnavailable as down:  # the same key again logs it once, saved or not
        errors = {"_": [not_saved(down.service, down.unsent, "your check-in was not saved",
                                  "Send the form again in a minute: it will not be logged "
                                  "twice.")]}
        return _checkin_form(goal_id, {**form, "idempotency_key": key}, errors, 503)
    if not http.is_htmx() and request.form.get("form") == "quick":
        return redirect(url_for("week.show", saved=goal_id))
    if not http.is_htmx():
        return redirect(url_for("goals.show", goal_id=goal_id, saved=1) + "#checkin")
    response = _checkin_form(goal_id, {}, {}, 200, saved=True)
    response.headers["HX-Trigger"] = "checkin-logged"
    return response


def _checkin_form(goal_id: str, form: dict, errors: dict, status: int, saved: bool = False):
    """The check-in form that was sent (the goal page's, or My week's quick one, whose unit
    label it carries) again: to htmx the form alone, else the page it was sent from."""
    quick = request.form.get("form") == "quick"
    if http.is_htmx() or status == 200:
        partial = "week/_quick_checkin.html" if quick else "goals/_checkin_form.html"
        goal = {"id": goal_id, "unit": request.form.get("unit", "")}
        return make_response(render_template(partial, goal=goal, form=form, errors=errors,
                                             saved=saved), status)
    if quick:
        refused = {"goal_id": goal_id, "form": form, "errors": errors,
                   "without_form": forms.checkin_refusal_without_form(errors)}
        return make_response(render_template("week/show.html",
                                             **week_context(refused)), status)
    return make_response(render_template("goals/show.html", form=form, errors=errors,
                                         saved=False, **page_context(goal_id)), status)


# -- a new goal -------------------------------------------------------------------------------
def _new_goal_page(form: dict, errors: dict, status: int = 200, assessment: dict | None = None,
                   template_typed: dict | None = None):
    """The New goal page: the form as typed with its errors and SMART check, the templates
    (one open with what was typed into it), the team's current (draft or active) team goals a
    new one can be aligned to, and whether the team requires SMART goals."""
    api = http.api()
    team_id = http.current_member().team_id
    templates, team_goals, smart_required = api.together(
        api.templates, lambda: api.goals(status=list(CURRENT), kind="team"),
        lambda: _requires_smart(api, team_id))
    parents = [] if isinstance(team_goals, Unavailable) else forms.parent_choices(team_goals)
    return render_template("goals/new.html", form=form, errors=errors, assessment=assessment,
                           templates=templates, parents=parents, smart_required=smart_required,
                           template_typed=template_typed), status


def _requires_smart(api: MemberApi, team_id: str) -> bool:
    """Whether the team requires SMART goals; False when goals does not answer (the form then
    does not say so up front, and a refusal still will)."""
    try:
        return bool(api.team(team_id).get("require_smart"))
    except ServiceUnavailable:
        return False


@goals.get("/new")
@http.member_required
def new():
    return _new_goal_page({"visibility": "team"}, {})


@goals.post("/assess")
@http.member_required
def assess():
    draft = forms.draft_from_form(request.form.to_dict())
    try:
        assessment = http.api().assess(draft)
    except FormErrors as refused:  # a half-typed draft: say what the check still needs
        return render_template("goals/_smart.html", assessment=None,
                               incomplete=forms.form_errors(refused.errors))
    return render_template("goals/_smart.html", assessment=assessment)


@goals.post("/new")
@http.member_required
def create():
    form = request.form.to_dict()
    api = http.api()
    try:
        goal = api.create_goal(forms.draft_from_form(form), key=http.form_key())
    except ServiceUnavailable as down:  # the same key again creates it once, made or not
        return _new_goal_page(form, {"_": [not_saved(
            down.service, down.unsent, "your goal was not created",
            "Send the form again in a minute: it will not be created twice.")]}, 503)
    except FormErrors as refused:
        errors = forms.create_errors(refused.detail, refused.errors)
        try:
            assessment = api.assess(forms.draft_from_form(form))
        except FormErrors:  # too incomplete to assess: the form and its errors still show
            assessment = None
        return _new_goal_page(form, errors, refused.status, assessment)
    return redirect(url_for("goals.show", goal_id=goal["id"]))


@goals.post("/templates/<key>")
@http.member_required
def from_template(key: str):
    typed = request.form.to_dict()
    try:
        goal = http.api().instantiate(key, forms.template_parameters(typed),
                                      idempotency_key=http.form_key())
    except ServiceUnavailable as down:  # the same key again creates it once, made or not
        return _template_refused(key, typed, not_saved(
            down.service, down.unsent, "your draft was not created",
            "Send the form again in a minute: it will not be created twice."), 503)
    except FormErrors as refused:  # the goals API names each refused value by its label
        return _template_refused(key, typed, refused.detail, refused.status,
                                 [name.removeprefix("parameters.") for name in refused.errors])
    return redirect(url_for("goals.show", goal_id=goal["id"]))


def _template_refused(key: str, typed: dict, why: str, status: int,
                      invalid: list[str] | None = None):
    """The New goal page again, the template's form open with what was typed (and its key)
    and `why` it was refused said in it, its `invalid` values marked; the New goal form above
    it as new, as it was not sent."""
    return _new_goal_page({"visibility": "team"}, {}, status, template_typed={
        "key": key, "values": typed, "why": why, "invalid": invalid or []})


# -- kudos and comments on a check-in ---------------------------------------------------------
KUDOS_UNDONE = "your kudos were not given"


def _social_refusal(refused: Exception, undone: str) -> tuple[str, int]:
    """Why kudos or a comment on a check-in was not saved (`undone`: "your comment was not
    added"), said in place, and the status: its goal no longer seen (404: the check-in is
    hidden with it), the API's refusal (its status), or checkins down (503)."""
    if isinstance(refused, ServiceUnavailable):
        return not_saved(refused.service, refused.unsent, undone, AGAIN), 503
    if isinstance(refused, NotFound):
        return f"{upper_first(undone)}: {GONE}.", 404
    return f"{upper_first(undone)}: {refused.detail}.", refused.status


@goals.post("/<goal_id>/checkins/<checkin_id>/kudos")
@http.member_required
def kudos(goal_id: str, checkin_id: str):
    """Kudos given, and the button with its count again; a refusal said beside the button (to
    htmx) or above the check-ins (on the goal page)."""
    api = http.api()
    try:
        api.give_kudos(checkin_id)
    except (NotFound, Forbidden, FormErrors, ServiceUnavailable) as refused:
        why, status = _social_refusal(refused, KUDOS_UNDONE)
        if not http.is_htmx():
            return goal_page(goal_id, status, undone=KUDOS_UNDONE, kudos_error=why)
        return render_template("goals/_kudos.html", goal={"id": goal_id}, c={"id": checkin_id},
                               kudos_refused=why), status
    if not http.is_htmx():
        return redirect(url_for("goals.show", goal_id=goal_id) + f"#c-{checkin_id}")
    return render_template("goals/_kudos.html", goal={"id": goal_id},
                           c=api.checkin(checkin_id))


@goals.get("/<goal_id>/checkins/<checkin_id>/comments")
@http.member_required
def comments(goal_id: str, checkin_id: str):
    return _comments(goal_id, checkin_id, http.api().comments(checkin_id), {}, "", 200)


def _comments(goal_id: str, checkin_id: str, items, errors: dict, text: str, status: int,
              key: str | None = None):
    """A check-in's comments (None: none to show, the check-in is gone), each with its author's
    name, and the comment form (`text` as typed when refused, with the form's `key`, so that
    sending it again adds the comment once): to htmx the part, else the page."""
    me = http.current_member()
    names = http.api().names(me.team_id, {c["author_id"] for c in items or []})
    template = "goals/_comments.html" if http.is_htmx() else "goals/comments.html"
    return render_template(template, goal={"id": goal_id}, checkin_id=checkin_id,
                           comments=items, names=names, errors=errors, text=text,
                           comment_key=key), status


@goals.post("/<goal_id>/checkins/<checkin_id>/comments")
@http.member_required
def comment(goal_id: str, checkin_id: str):
    """A comment added; refused, the comments and the form again with what was typed and why:
    a refusal of the text beside it, any other (the check-in gone, checkins down) above it.
    The text goes as typed (the field holds at most 2,000 characters): checkins trims it and
    says a text of spaces only is blank."""
    api = http.api()
    typed = request.form.get("text", "")
    key = http.form_key()
    try:
        api.add_comment(checkin_id, typed, key)
    except (NotFound, Forbidden, FormErrors, ServiceUnavailable) as refused:
        if isinstance(refused, FormErrors) and refused.errors.get("text"):
            errors, status = {"text": refused.errors["text"]}, refused.status
        else:
            why, status = _social_refusal(refused, "your comment was not added")
            errors = {"_": [why]}
        items = None if isinstance(refused, NotFound) else api.comments(checkin_id)
        return _comments(goal_id, checkin_id, items, errors, typed, status, key)
    if not http.is_htmx():
        return redirect(url_for("goals.show", goal_id=goal_id) + f"#c-{checkin_id}")
    return _comments(goal_id, checkin_id, api.comments(checkin_id), {}, "", 200)
