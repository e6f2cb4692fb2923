"""Use cases of a member's own notification preferences (`/v1/me/preferences`)."""

from __future__ import annotations

from services.notifications.domain.fanout import Notifier
from services.notifications.domain.preferences import Preferences
from services.notifications.service_layer.commands import GetPreferences, SetPreferences
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


def get_preferences(cmd: GetPreferences, reader: NotificationsUnitOfWork) -> Preferences:
    with reader:
        return reader.preferences.of(cmd.actor.member_id, cmd.actor.team_id)


def set_preferences(cmd: SetPreferences, uow: NotificationsUnitOfWork,
                    notifier: Notifier) -> Preferences:
    """Save the member's preferences; what the old ones held back follows the new ones (see
    `Notifier.place_held`): quiet hours turned off show what they held on the deliverer's
    next pass."""
    quiet = ({"start": cmd.quiet_start, "end": cmd.quiet_end}
             if cmd.quiet_start is not None and cmd.quiet_end is not None else None)
    with uow:
        prefs = uow.preferences.of(cmd.actor.member_id, cmd.actor.team_id)
        prefs.update(muted=list(cmd.muted), delivery=cmd.delivery, digest=cmd.digest,
                     quiet_hours=quiet)
        uow.preferences.save(prefs)
        member = uow.replicas.member(cmd.actor.member_id)
        notifier.place_held(uow, cmd.actor.member_id, prefs, member)
        uow.commit()
    return prefs
