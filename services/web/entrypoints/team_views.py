"""Team settings for leads: members (add, role, snooze, remove) and channels."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.web.adapters.api_client import FormErrors, ServiceUnavailable, Unavailable
from services.web.domain.outage_text import not_saved
from services.web.domain.sentence import full_stop
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import team
from services.web.service_layer import team_form_handlers as team_forms

MEMBER_FIELDS = ("name", "email", "timezone", "role")
CHANGES = {
    "make_lead": {"role": "lead"},
    "make_member": {"role": "member"},
    "wake": {"snoozed_until": None, "state": "active"},
    "remove": {"state": "left"},
}


def _members_page(form: dict, errors: dict, status: int = 200, added: dict | None = None,
                  invite: dict | None = None, row_errors: dict | None = None):
    """The members page, each member in the state goals answers; `row_errors` (member id -> the
    refused action and why) are said on that member's row, or above the list for a member it
    no longer shows (who left)."""
    me = http.current_member()
    members = http.api().members(me.team_id)
    return render_template("team/members.html", members=members, form=form, errors=errors,
                           added=added, invite=invite, row_errors=row_errors or {},
                           unlisted_errors=_unlisted_errors(members, row_errors or {})), status


NOT_DONE = {"invite": "No invite link was made for {}"}  # else "Nothing was changed for {}"


def _unlisted_errors(members, row_errors: dict) -> list[str]:
    """The refusals of `row_errors` whose member the list does not show (they left), each as
    a sentence naming them and what was not done: "Nothing was changed for Bea: a member who
    left cannot be snoozed.", "No invite link was made for Max: the member has left the
    team."."""
    return [full_stop(f"{NOT_DONE.get(action, 'Nothing was changed for {}').format(m['name'])}: "
                      f"{'; '.join(why.rstrip('.') for why in whys)}")
            for m in members or [] if m["state"] == "left" and m["id"] in row_errors
            for action, whys in [row_errors[m["id"]]]]


def _new_member_form() -> dict:
    return {"timezone": http.current_member().timezone, "role": "member"}


def _invite_link(member: dict, key: str | None = None) -> dict:
    """A new invite link for the member; under `key` (the form's own: goals keeps a key per
    path, so the add's and the invite's never meet) once: sent again, the same link."""
    issued = http.api().invite(http.current_member().team_id, member["id"], key)
    return {"name": member["name"], "expires_at": issued["expires_at"],
            "link": url_for("auth.invite", code=issued["code"], _external=True)}


@team.get("/members")
@http.lead_required
def members():
    return _members_page({"timezone": http.current_member().timezone, "role": "member"}, {})


@team.post("/members")
@http.lead_required
def add_member():
    """Add the member, and make their invite link, once per rendered form: its key sent again
    (a double click, a resend after a timeout) gets the first answer and the same link."""
    form = {name: request.form.get(name, "").strip() for name in MEMBER_FIELDS}
    key = http.form_key()
    try:
        added = http.api().add_member(http.current_member().team_id,
                                      {k: v for k, v in form.items() if v}, key=key)
    except FormErrors as refused:
        return _members_page(*team_forms.add_member_refused(
            {**form, "idempotency_key": key}, refused.detail, refused.errors), refused.status)
    except ServiceUnavailable as down:
        return _members_page({**form, "idempotency_key": key}, {"_": [not_saved(
            down.service, down.unsent, f"{form['name'] or 'the member'} was not added",
            "If they are not in the list, send the form again: an email is added once.")]}, 503)
    http.container().api.directory.forget(http.current_member().team_id)
    return _members_page({"timezone": form["timezone"], "role": "member"}, {}, 201, added,
                         _invite_link(added, key))


@team.post("/members/<member_id>/invite")
@http.lead_required
def invite_member(member_id: str):
    """A new invite link for the member, once per rendered button: its key sent again (a
    double click) gets the same link. Refused (they left meanwhile), said on their row."""
    member = http.api().member(http.current_member().team_id, member_id)
    try:
        invite = _invite_link(member, http.form_key())
    except FormErrors as refused:
        return _members_page(_new_member_form(), {}, refused.status,
                             row_errors={member_id: ("invite", team_forms.change_errors(refused))})
    return _members_page(_new_member_form(), {}, 201, None, invite)


@team.post("/members/<member_id>")
@http.lead_required
def change_member(member_id: str):
    action = request.form.get("action", "")
    change = dict(CHANGES.get(action, {}))
    if action == "snooze":
        change = {"snoozed_until": request.form.get("snoozed_until") or None}
    if not change:
        return _members_page(_new_member_form(), {"_": ["Unknown action."]}, 400)
    if action == "remove" and request.form.get("confirmed") != "yes":  # it cannot be undone
        return redirect(url_for("team.confirm_removal", member_id=member_id), 303)
    try:
        http.api().update_member(http.current_member().team_id, member_id, change)
        http.container().api.directory.forget(http.current_member().team_id)
    except FormErrors as refused:
        return _members_page(_new_member_form(), {}, refused.status,
                             row_errors={member_id: (action,
                                                     team_forms.change_errors(refused))})
    if action == "remove":
        http.remember_done("remove", member_id)
    return redirect(url_for("team.members"))


@team.get("/members/<member_id>/remove")
@http.lead_required
def confirm_removal(member_id: str):
    """Whether to remove the member, asked once more (it cannot be undone); once they left,
    that they were removed, when this session removed them, else only that they are no longer
    on the team (the API does not say whether a lead removed them, nor which). Never kept by
    the browser (no-store): Back, after the removal, asks again and says so, rather than
    offering to remove them once more."""
    removed = http.api().member(http.current_member().team_id, member_id)
    return http.not_kept(render_template("team/remove.html", removed=removed,
                                         removed_here=http.done_here("remove", member_id)))


# -- channels ---------------------------------------------------------------------------------
CHANNEL_FIELDS = ("type", "name", "webhook_url")


def _channels_page(form: dict, errors: dict, status: int = 200, added: dict | None = None,
                   acted: dict | None = None):
    """The channels page; `errors` are the Add a channel form's; `acted` what a channel's
    button did (`notice`, above the list) or why it did not (`error`, on the channel's row, or
    above the list when it cannot be shown), with the channel's `id`."""
    me = http.current_member()
    return render_template("team/channels.html", channels=http.api().channels(me.team_id),
                           form=form, errors=errors, added=added, acted=acted), status


@team.get("/channels")
@http.lead_required
def channels():
    return _channels_page({"type": "slack"}, {})


@team.post("/channels")
@http.lead_required
def add_channel():
    """Add the channel once per rendered form: its key, sent again (a double click, a resend
    after a timeout), gets the first answer, not a second channel."""
    form = {name: request.form.get(name, "").strip() for name in CHANNEL_FIELDS}
    key = http.form_key()
    try:
        added = http.api().add_channel(http.current_member().team_id,
                                       {k: v for k, v in form.items() if v}, key=key)
    except FormErrors as refused:
        return _channels_page(*team_forms.channel_refused(
            {**form, "idempotency_key": key}, refused.detail, refused.errors), refused.status)
    except ServiceUnavailable as down:  # the form again as typed, under the same key
        return _channels_page({**form, "idempotency_key": key}, {"_": [not_saved(
            down.service, down.unsent, "the channel was not added",
            "Send the form again in a minute: the channel will not be added twice.")]}, 503)
    return _channels_page({"type": "slack"}, {}, 201, added)


@team.post("/channels/<channel_id>/test")
@http.lead_required
def test_channel(channel_id: str):
    """One test message per rendered button: its key, sent again (a double click), gets the
    first answer, not a second message."""
    key = http.form_key()
    return _channel_action(channel_id,
                           lambda api, team_id: api.test_channel(team_id, channel_id, key),
                           202, "Test message sent: see its delivery below.",
                           "No test message was sent", "the test message was not sent",
                           "Check the delivery log in a minute before sending it again.")


@team.post("/channels/<channel_id>/enable")
@http.lead_required
def enable_channel(channel_id: str):
    """A disabled channel (by a lead, or by its receiver's refusals) active again."""
    return _channel_action(
        channel_id, lambda api, team_id: api.update_channel(team_id, channel_id,
                                                            {"state": "active"}),
        200, "Channel enabled: messages go to it again.", "The channel was not enabled",
        "the channel was not enabled", "Send it again in a minute: enabling it twice changes "
        "nothing.")


@team.post("/channels/<channel_id>/secret")
@http.lead_required
def rotate_channel_secret(channel_id: str):
    """A webhook channel's new signing secret, shown once above the list; one rotation per
    rendered button (its key, sent again, gets the first answer and the same secret)."""
    key = http.form_key()
    return _channel_action(
        channel_id, lambda api, team_id: api.rotate_channel_secret(team_id, channel_id, key),
        200, "New signing secret (shown once):", "The secret was not rotated",
        "the secret was not rotated", "Send it again in a minute: the same button rotates it "
        "once.", shown=lambda rotated: {"secret": rotated["secret"],
                                        "until": rotated["previous_secret_until"]})


@team.post("/channels/<channel_id>/url")
@http.lead_required
def change_channel_url(channel_id: str):
    """Point a channel at a new webhook URL, checked as when it was added; a channel its
    receiver disabled (gone, moved) is enabled again."""
    url = request.form.get("webhook_url", "").strip()
    return _channel_action(
        channel_id, lambda api, team_id: api.update_channel(team_id, channel_id,
                                                            {"webhook_url": url}),
        200, "Webhook URL changed: messages go to the new one.", "The URL was not changed",
        "the URL was not changed", "Send it again in a minute: changing it twice changes "
        "nothing.", typed={"url": url})


def _channel_action(channel_id: str, action, status: int, done: str, refused_lead: str,
                    undone: str, resend: str, shown=lambda answer: {},
                    typed: dict | None = None):
    """The channels page after a channel's button: `done` above the list (with `shown` of
    the API's answer), or, on the channel's row, why not: refused (`refused_lead`: the API's
    reason, its messages about the fields sent when it gave some), or its service down
    (`undone`, and after a timeout `resend`), with what was `typed` in the row's form."""
    try:
        answer = action(http.api(), http.current_member().team_id)
    except FormErrors as refused:  # on its row, not in the Add a channel form
        why = " ".join(m for messages in refused.errors.values() for m in messages)
        return _channels_page({"type": "slack"}, {}, refused.status, acted={
            "id": channel_id, "error": full_stop(f"{refused_lead}: {why or refused.detail}"),
            **(typed or {})})
    except ServiceUnavailable as down:  # the row's buttons keep their key: a resend is once
        return _channels_page({"type": "slack"}, {}, 503, acted={
            "id": channel_id, "error": not_saved(down.service, down.unsent, undone, resend),
            "idempotency_key": http.form_key(), **(typed or {})})
    return _channels_page({"type": "slack"}, {}, status, acted={"id": channel_id,
                                                               "notice": done, **shown(answer)})


@team.get("/deliveries")
@http.lead_required
def deliveries():
    """A page of the delivery log, newest first; "Older deliveries" goes on from where it
    ends (`cursor`)."""
    cursor = request.args.get("cursor") or None
    items = http.api().deliveries(http.current_member().team_id, cursor)
    template = "team/_deliveries.html" if http.is_htmx() else "team/deliveries.html"
    return render_template(template, items=items, cursor=cursor)


# -- team settings: SMART requirement, default cadence, weekly digest -------------------------
@team.get("/settings")
@http.lead_required
def settings():
    me = http.current_member()
    api = http.api()
    team_record, digest = api.together(lambda: api.team(me.team_id),
                                 lambda: api.digest_settings(me.team_id))
    return render_template("team/settings.html", errors={}, saved=False,
                           digest_down=isinstance(digest, Unavailable),
                           form=team_forms.form_from(team_record, digest))


@team.post("/settings")
@http.lead_required
def save_settings():
    me = http.current_member()
    api = http.api()
    form = request.form.to_dict()
    try:
        team_forms.save(api, me.team_id, form)
    except FormErrors as refused:  # nothing saved: the form again as typed
        return _settings_refused(form, team_forms.form_errors(refused.errors)
                                 or {"_": [refused.detail]}, refused.status)
    except ServiceUnavailable as down:  # the goals part is put back: the form again as typed
        return _settings_refused(form, {"_": [not_saved(
            down.service, down.unsent, "the settings were not saved",
            "Reload the page to see the settings as they are, then save again.")]}, 503)
    team_record, digest = api.together(lambda: api.team(me.team_id),
                                 lambda: api.digest_settings(me.team_id))
    return render_template("team/settings.html", errors={}, saved=True,
                           digest_down=isinstance(digest, Unavailable),
                           form=team_forms.form_from(team_record, digest))


def _settings_refused(form: dict, errors: dict, status: int):
    """The settings form again, as typed, saying why nothing was saved."""
    return render_template("team/settings.html", form=form, saved=False,
                           digest_down="digest_weekday" not in form, errors=errors), status
