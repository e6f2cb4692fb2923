"""Use cases of a team's weekly digest settings (leads)."""

from __future__ import annotations

from services.notifications.domain.digest import DigestSettings
from services.notifications.service_layer.access import ensure_lead
from services.notifications.service_layer.commands import GetTeamDigest, SetTeamDigest
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork


def get_team_digest(cmd: GetTeamDigest, reader: NotificationsUnitOfWork) -> DigestSettings:
    ensure_lead(cmd.actor, cmd.team_id)
    with reader:
        return reader.preferences.digest(cmd.team_id) or DigestSettings(cmd.team_id, enabled=False)


def set_team_digest(cmd: SetTeamDigest, uow: NotificationsUnitOfWork) -> DigestSettings:
    ensure_lead(cmd.actor, cmd.team_id)
    with uow:
        settings = uow.preferences.digest(cmd.team_id)
        if settings is None:
            settings = DigestSettings(cmd.team_id)
            uow.preferences.add_digest(settings)
        settings.update(enabled=cmd.enabled, weekday=cmd.weekday, hour=cmd.hour)
        uow.commit()
    return settings
