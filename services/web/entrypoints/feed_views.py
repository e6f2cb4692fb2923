"""My feed (unread first) and my notification preferences."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from services.web.adapters.api_client import FormErrors, ServiceUnavailable, Unavailable
from services.web.domain.feed_text import unread_on_page
from services.web.domain.outage_text import not_saved
from services.web.entrypoints import http
from services.web.entrypoints.blueprints import me
from services.web.service_layer import preference_form_handlers as prefs


@me.get("/feed")
@http.member_required
def feed():
    """A page of my feed, newest first; "Older notifications" goes on from where it ends."""
    api = http.api()
    cursor = request.args.get("cursor") or None
    items = api.feed(http.container().settings.feed_page, cursor)
    next_cursor = getattr(items, "next_cursor", None)
    unread = None
    if not isinstance(items, Unavailable):
        unread = unread_on_page(items, paged=bool(cursor or next_cursor))
        if unread is None:  # the second call, only for a feed longer than a page
            counted = api.unread_count()
            unread = None if isinstance(counted, Unavailable) else counted
    return render_template("feed/feed.html", items=items or [], cursor=cursor,
                           next_cursor=next_cursor, feed_down=isinstance(items, Unavailable),
                           unread=unread)


@me.post("/feed/read")
@http.member_required
def mark_read():
    """Mark read the unread notifications the page showed (`ids`): not one that arrived since,
    which the member has not seen."""
    ids = request.form.getlist("ids")
    if ids:
        http.api().mark_read(ids)
    return redirect(url_for("me.feed", cursor=request.form.get("cursor") or None))


@me.get("/preferences")
@http.member_required
def preferences():
    return _preferences_page({}, {}, 200)


def _preferences_page(zone_form: dict, zone_errors: dict, status: int, saved: bool = False,
                      zone_saved: bool = False):
    """My preferences, and my time zone (`zone_form`: as typed, when it was refused)."""
    current = http.api().preferences()
    return render_template("feed/preferences.html", form=prefs.form_from(current), errors={},
                           down=isinstance(current, Unavailable), saved=saved,
                           zone_form=zone_form or {"timezone": http.current_member().timezone},
                           zone_errors=zone_errors, zone_saved=zone_saved), status


@me.post("/preferences")
@http.member_required
def save_preferences():
    form = request.form.to_dict()
    form["muted"] = request.form.getlist("muted")
    try:
        saved = http.api().set_preferences(prefs.preferences_from(form))
    except FormErrors as refused:
        return _preferences_form(form, prefs.form_errors(refused, form), refused.status)
    except ServiceUnavailable as down:
        return _preferences_form(form, {"_": [not_saved(
            down.service, down.unsent, "your preferences were not saved",
            "Reload the page in a minute to see them as they are, then save again.")]}, 503)
    return _preferences_form(prefs.form_from(saved), {}, 200, saved=True)


def _preferences_form(form: dict, errors: dict, status: int, saved: bool = False):
    """The preferences page with `form` as shown: as saved, or as typed when refused (with
    `errors` saying why nothing was saved); my time zone as it is."""
    zone_form = {"timezone": http.current_member().timezone}
    return render_template("feed/preferences.html", form=form, down=False, saved=saved,
                           errors=errors, zone_form=zone_form, zone_errors={}), status


@me.post("/timezone")
@http.member_required
def save_timezone():
    """My time zone, kept by goals: every page shows times in it from the next one on."""
    me_now = http.current_member()
    typed = {"timezone": request.form.get("timezone", "").strip()}
    try:
        member = http.api().update_member(me_now.team_id, me_now.id, typed)
    except FormErrors as refused:
        errors = {"timezone": refused.errors.get("timezone") or [refused.detail]}
        return _preferences_page(typed, errors, refused.status)
    http.remember_member(member)
    return _preferences_page({}, {}, 200, zone_saved=True)
