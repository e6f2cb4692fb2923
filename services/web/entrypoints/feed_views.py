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
    return _feed_page(request.args.get("cursor") or None)


@me.post("/feed/read")
@http.member_required
def mark_read():
    """Mark read the unread notifications the page showed (`ids`): not one that arrived since,
    which the member has not seen. With notifications down, the feed again (503) saying they
    were not marked read, with the same form to send again."""
    ids = request.form.getlist("ids")
    cursor = request.form.get("cursor") or None
    if ids:
        try:
            http.api().mark_read(ids)
        except ServiceUnavailable as down:
            return _feed_page(cursor, 503, read_ids=ids, read_error=not_saved(
                down.service, down.unsent, "your notifications were not marked read",
                "Send it again in a minute: marking them read twice changes nothing."))
    return redirect(url_for("me.feed", cursor=cursor))


def _feed_page(cursor: str | None, status: int = 200, *, read_ids: list[str] | None = None,
               read_error: str = ""):
    """The feed's page at `cursor`; after a refused Mark read, `read_error` says why and its
    form offers the same `read_ids` again, whatever the feed shows now (or cannot)."""
    api = http.api()
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
                           unread=unread, read_ids=read_ids, read_error=read_error), status


@me.get("/preferences")
@http.member_required
def preferences():
    return _preferences_page()


@me.post("/preferences")
@http.member_required
def save_preferences():
    form = request.form.to_dict()
    form["muted"] = request.form.getlist("muted")
    try:
        saved = http.api().set_preferences(prefs.preferences_from(form))
    except FormErrors as refused:
        return _preferences_page(refused.status, form=form,
                                 errors=prefs.form_errors(refused, form))
    except ServiceUnavailable as down:
        return _preferences_page(503, form=form, errors={"_": [not_saved(
            down.service, down.unsent, "your preferences were not saved",
            "Reload the page in a minute to see them as they are, then save again.")]})
    return _preferences_page(form=prefs.form_from(saved), saved=True)


@me.post("/timezone")
@http.member_required
def save_timezone():
    """My time zone, kept by goals: every page shows times in it from the next one on. With
    goals down, the preferences page (503) with the zone as typed, saying it was not saved."""
    me_now = http.current_member()
    typed = {"timezone": request.form.get("timezone", "").strip()}
    try:
        member = http.api().update_member(me_now.team_id, me_now.id, typed)
    except FormErrors as refused:
        errors = {"timezone": refused.errors.get("timezone") or [refused.detail]}
        return _preferences_page(refused.status, zone_form=typed, zone_errors=errors)
    except ServiceUnavailable as down:
        return _preferences_page(503, zone_form=typed, zone_errors={"_": [not_saved(
            down.service, down.unsent, "your time zone was not saved",
            "Send it again in a minute: saving the same time zone twice changes nothing.")]})
    http.remember_member(member)
    return _preferences_page(zone_saved=True)


def _preferences_page(status: int = 200, *, form: dict | None = None, errors: dict | None = None,
                      zone_form: dict | None = None, zone_errors: dict | None = None,
                      saved: bool = False, zone_saved: bool = False):
    """The preferences page from its two halves, each as typed or as it is now: `form` the
    preferences as shown (as saved, or as typed when refused, with `errors` saying why), else
    as notifications has them now; `zone_form` my time zone as typed when refused (with
    `zone_errors`), else as it is now."""
    down = False
    if form is None:
        current = http.api().preferences()
        form, down = prefs.form_from(current), isinstance(current, Unavailable)
    if zone_form is None:
        zone_form = {"timezone": http.current_member().timezone}
    return render_template("feed/preferences.html", form=form, errors=errors or {}, down=down,
                           saved=saved, zone_form=zone_form, zone_errors=zone_errors or {},
                           zone_saved=zone_saved), status
