"""Teams and their members. Every change records the entity's full state as an event."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from shared.availability import snooze_ends_at
from shared.domain import Aggregate, Conflict, Unprocessable, changed

_ONE_UPDATE = "_one_update"  # set while `Member.one_update` gathers changes

ROLES = ("member", "lead")
MEMBER_STATES = ("active", "snoozed", "left")
NAMED_GOALS = 5  # the open goals a refused departure names; the rest are counted
PROFILE_FIELDS = ("name", "timezone", "working_hours", "slack_user_id", "default_cadence")


def new_id() -> str:
    return str(uuid.uuid4())


def ensure_snooze_fits(snoozed_until: date | None, state: str) -> None:
    """422 on both fields when a request gives a state its snooze contradicts: a day snoozes
    the member (state snoozed), null wakes them (state active, or left). Applied in either
    order, one of the two would be dropped silently."""
    day = snoozed_until.isoformat() if snoozed_until else "null"
    if snoozed_until is not None and state != "snoozed":
        does, remedy = "snoozes the member", "send state snoozed"
    elif snoozed_until is None and state == "snoozed":
        does, remedy = "wakes the member", "send a day to snooze until"
    else:
        return
    raise Unprocessable(
        f"state {state} contradicts snoozed_until {day}, which {does}; {remedy}, or leave one "
        "of the two out", errors={"snoozed_until": [f"Contradicts state {state}."],
                                  "state": [f"Contradicts snoozed_until {day}."]})


class Team(Aggregate):
    def __init__(self, name: str, timezone: str, *, id: str | None = None,
                 require_smart: bool = False, default_cadence: dict | None = None,
                 created_at: datetime | None = None):
        self.id = id or new_id()
        self.name = name
        self.timezone = timezone
        self.require_smart = require_smart
        self.default_cadence = default_cadence
        self.created_at = created_at

    def as_event_data(self) -> dict:
        return {"team_id": self.id, "name": self.name, "timezone": self.timezone,
                "require_smart": self.require_smart, "default_cadence": self.default_cadence}

    def created(self) -> None:
        self.record("team.created", self.id, self.as_event_data(), subject=self.id)

    def update(self, changes: dict) -> None:
        """Apply `changes`; team.updated only when one of them changes a value."""
        changes = changed(self, changes)
        if not changes:
            return
        for name, value in changes.items():
            setattr(self, name, value)
        self.record("team.updated", self.id, self.as_event_data(), subject=self.id)


class Member(Aggregate):
    def __init__(self, team_id: str, name: str, email: str, role: str, timezone: str, *,
                 id: str | None = None, slack_user_id: str | None = None,
                 state: str = "active", token_version: int = 1,
                 working_hours: dict | None = None, default_cadence: dict | None = None,
                 snoozed_until: date | None = None):
        self.id = id or new_id()
        self.team_id = team_id
        self.name = name
        self.email = email
        self.role = role
        self.timezone = timezone
        self.slack_user_id = slack_user_id
        self.state = state
        self.token_version = token_version
        self.working_hours = working_hours
        self.default_cadence = default_cadence
        self.snoozed_until = snoozed_until

    @property
    def is_active_lead(self) -> bool:
        return self.role == "lead" and self.state != "left"

    def as_event_data(self) -> dict:
        return {
            "team_id": self.team_id, "member_id": self.id, "name": self.name,
            "email": self.email, "role": self.role, "timezone": self.timezone,
            "slack_user_id": self.slack_user_id, "state": self.state,
            "token_version": self.token_version, "working_hours": self.working_hours,
            "default_cadence": self.default_cadence,
            "snoozed_until": self.snoozed_until.isoformat() if self.snoozed_until else None,
        }

    def added(self) -> None:
        self.record("member.added", self.team_id, self.as_event_data(), subject=self.id)

    def request_sign_in(self, link: str, expires_at: datetime) -> None:
        """The member asked for an email sign-in link: notifications mails it."""
        self.record("member.sign_in_requested", self.team_id, {
            "team_id": self.team_id, "member_id": self.id, "email": self.email, "link": link,
            "expires_at": expires_at}, subject=self.id)

    def update_profile(self, changes: dict) -> None:
        """Apply `changes` and announce them. The caller passes only what changes a value
        (`shared.domain.changed`), taken before the Slack user was written on its own."""
        for name, value in changes.items():
            if name not in PROFILE_FIELDS:
                raise ValueError(f"{name} is not a profile field")
            setattr(self, name, value)
        self._updated()

    def snooze(self, until: date | None, today: date, *, returning: bool = False) -> None:
        """Snooze (vacation) until a date, today (the member's) or later, or wake up with
        None; member.updated unless the member already was so. A member who left is snoozed
        only `returning`: brought back by the same request, straight into the snooze ("back
        on the 14th"); 409 otherwise."""
        if self.state == "left" and not (returning and until is not None):
            raise Conflict("a member who left cannot be snoozed")
        if until is not None and until < today:
            raise Unprocessable(
                f"snoozed_until {until.isoformat()} is in the past (today is "
                f"{today.isoformat()} in {self.timezone}); give today or a later day, or null "
                "to wake up", errors={"snoozed_until": ["Must be today or later."]})
        wanted = ("snoozed", until) if until else ("active", None)
        if (self.state, self.snoozed_until) == wanted:
            return
        self.state, self.snoozed_until = wanted
        self._updated()

    def wake_if_snooze_over(self, now: datetime) -> bool:
        """Wake a member whose snooze has ended at `now` (aware): once their wall clock reads
        the day after `snoozed_until` (`shared.availability.snooze_ends_at`), they hear
        everything again, so they are active, with no day. member.updated when woken; whether
        they were."""
        if self.state != "snoozed" or self.snoozed_until is None:
            return False
        if now < snooze_ends_at(self.snoozed_until.isoformat(), self.timezone):
            return False
        self.state, self.snoozed_until = "active", None
        self._updated()
        return True

    def change_role(self, role: str) -> None:
        """Make the member a lead or a member; 409 for one who left (no longer on the team)."""
        if self.state == "left":
            raise Conflict("a member who left cannot be given another role")
        self.role = role
        self._updated()

    def set_state(self, state: str, *, open_goals: tuple[str, ...] = ()) -> None:
        """Move to `state`. A member leaves only when `open_goals` (the titles of their draft
        and active goals) is empty: a goal whose owner left would stay on the board, alerting
        leads, with nobody to move it (409 naming them, to be closed first). One who leaves
        gives up their Slack user, for a teammate to name (`give_up_slack_user`)."""
        if state == "left" and open_goals:
            self._refuse_leaving_with(open_goals)
        if state == "left":
            self.token_version += 1  # a departed member's tokens stop working everywhere
            self.slack_user_id = None
        if state != "snoozed":
            self.snoozed_until = None
        self.state = state
        self._updated()

    def ensure_may_own_open_goals(self) -> None:
        """409 for a member who left: no one gone owns an open goal (see `set_state`), so a
        goal of theirs is reopened once they are back."""
        if self.state == "left":
            raise Conflict(f"{self.name} has left the team; their goal can be reopened once "
                           "they are back")

    def _refuse_leaving_with(self, open_goals: tuple[str, ...]) -> None:
        titles = sorted(open_goals)
        named = ", ".join(f"“{title}”" for title in titles[:NAMED_GOALS])
        if len(titles) > NAMED_GOALS:
            named += f" and {len(titles) - NAMED_GOALS} more"
        count, them = (f"{len(titles)} open goal", "it") if len(titles) == 1 \
            else (f"{len(titles)} open goals", "them")
        raise Conflict(f"{self.name} still owns {count} ({named}); close {them} before "
                       f"{self.name} leaves the team")

    def give_up_slack_user(self) -> None:
        """A member who left no longer names a Slack user: a teammate may (a departure gives it
        up; one who left before that did gives it up when a teammate claims it)."""
        self.slack_user_id = None
        self._updated()

    def rotate_token(self) -> int:
        """Bump the token version: every token issued before is revoked."""
        self.token_version += 1
        self._updated()
        return self.token_version

    @contextmanager
    def one_update(self) -> Iterator[None]:
        """The changes made inside are told in one member.updated, carrying the state they
        leave (none when nothing changed): a request changing several things (back on the team
        and a lead, say) publishes no state in between."""
        self.__dict__[_ONE_UPDATE] = False
        try:
            yield
        finally:
            changed_inside = self.__dict__.pop(_ONE_UPDATE)
        if changed_inside:
            self._updated()

    def _updated(self) -> None:
        if _ONE_UPDATE in self.__dict__:  # told once, when the change is complete
            self.__dict__[_ONE_UPDATE] = True
            return
        self.record("member.updated", self.team_id, self.as_event_data(), subject=self.id)
