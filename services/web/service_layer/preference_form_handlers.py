"""Between the preferences form's flat fields and the notifications API's JSON, both ways."""

from __future__ import annotations

# What the page offers to mute: kinds notifications tells members of (it refuses a mute of any
# other); achieved goals go to the team channels, never to a member.
MUTABLE = (("checkin.logged", "Teammates' check-ins"), ("checkin.reminder", "Check-in reminders"),
           ("checkin.missed", "Missed check-ins"), ("goal.health_changed", "Health changes"),
           ("kudos.given", "Kudos"), ("comment.added", "Comments"))


def form_from(preferences) -> dict:
    if not preferences:
        return {"delivery": "immediate", "digest": "daily", "muted": []}
    quiet = preferences.get("quiet_hours") or {}
    return {"delivery": preferences["delivery"], "digest": preferences["digest"],
            "muted": preferences.get("muted") or [],
            "quiet_start": quiet.get("start", ""), "quiet_end": quiet.get("end", "")}


def preferences_from(form: dict) -> dict:
    body = {"delivery": form.get("delivery", "immediate"), "digest": form.get("digest", "daily"),
            "muted": list(form.get("muted") or []), "quiet_hours": None}
    if form.get("quiet_start") or form.get("quiet_end"):
        body["quiet_hours"] = {"start": form.get("quiet_start", ""),
                               "end": form.get("quiet_end", "")}
    return body


FIELDS = {"quiet_hours.start": "quiet_start", "quiet_hours.end": "quiet_end",
          "quiet_hours": "quiet_start", "delivery": "delivery", "digest": "digest"}


QUIET_HALF_SET = "Fill in both From and Until, or leave both empty for no quiet hours."


def form_errors(refused, form: dict) -> dict[str, list[str]]:
    """The API's field names as the form's; anything else goes above the form. A quiet hours
    field left empty while the other is filled is told to be filled (the API's "Use HH:MM"
    would not say so)."""
    errors: dict[str, list[str]] = {}
    for name, messages in (refused.errors or {}).items():
        field = FIELDS.get(name, "_")
        if field in ("quiet_start", "quiet_end") and not form.get(field):
            messages = [QUIET_HALF_SET]
        errors.setdefault(field, []).extend(messages)
    return errors or {"_": [refused.detail]}
