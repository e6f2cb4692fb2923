"""Wires the checkins service."""

from __future__ import annotations

from services.checkins.adapters.orm import metadata, start_mappers
from services.checkins.domain.model import MemberView
from services.checkins.service_layer.events import HANDLERS
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal, Unauthorized
from shared.bootstrap import Container
from shared.clock import Clock
from shared.config import Settings
from shared.events.topics import CHECKINS_COMMANDS, CHECKINS_EVENTS, GOALS_EVENTS


class CheckinsContainer(Container):
    metadata = metadata
    uow_class = CheckinsUnitOfWork
    consumes = (GOALS_EVENTS, CHECKINS_COMMANDS)
    publishes = (CHECKINS_EVENTS,)

    def __init__(self, settings: Settings, clock: Clock | None = None):
        start_mappers()
        super().__init__(settings, clock)

    def handlers(self):
        return HANDLERS

    def check_principal(self, principal: Principal) -> Principal:
        """Revocations and role changes apply once their `member.*` event has arrived."""
        with self.session_factory() as session:
            member = session.get(MemberView, principal.member_id)
        if member is None:
            return principal  # not replicated yet: the signature is the proof
        if member.team_id != principal.team_id or member.state == "left":
            raise Unauthorized("token no longer valid: member not found")
        if member.token_version != principal.token_version:
            raise Unauthorized("token revoked; ask a lead for a fresh one")
        return Principal(principal.team_id, principal.member_id, member.role, member.token_version)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None) -> CheckinsContainer:
    return CheckinsContainer(settings or Settings.from_env("checkins"), clock)
