"""Use cases of email: the one-click unsubscribe from digests and escalations."""

from __future__ import annotations

from services.notifications.config import NotificationsSettings
from services.notifications.domain.email import UNSUBSCRIBED, Suppression, member_of_token
from services.notifications.service_layer.commands import Unsubscribe
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.domain import NotFound


def unsubscribe(cmd: Unsubscribe, uow: NotificationsUnitOfWork, clock: Clock,
                settings: NotificationsSettings) -> None:
    """Stop digests and escalations to the member the token names (sign-in links still go).
    Unsubscribing twice is the same as once; a token we did not sign is not found."""
    member_id = member_of_token(settings.secret_key, cmd.token)
    if member_id is None:
        raise NotFound("This unsubscribe link is not valid.")
    with uow:
        member = uow.replicas.member(member_id)
        if member is None or not member.email:
            raise NotFound("This unsubscribe link is not valid.")
        uow.suppressions.add(Suppression(member.email, UNSUBSCRIBED, clock.now(),
                                         member_id=member_id))
        uow.commit()
