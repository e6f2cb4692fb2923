"""Use cases of kudos and comments on check-ins."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from services.checkins.domain.social import Comment, Kudos, check_emoji
from services.checkins.service_layer.access import readable_checkin
from services.checkins.service_layer.commands import AddComment, GiveKudos, ListComments
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.idempotency import Once, made_once


@dataclass(frozen=True)
class GivenKudos:
    kudos: Kudos
    created: bool  # False: the same emoji from the same person was already there


def give_kudos(cmd: GiveKudos, uow: CheckinsUnitOfWork, clock: Clock) -> GivenKudos:
    """The same emoji from the same person counts once, however many copies of the request
    arrive at once: a copy that finds the kudos given, or given meanwhile, answers with it."""
    with uow:
        checkin, _ = readable_checkin(uow, cmd.actor, cmd.checkin_id)
        emoji = check_emoji(cmd.emoji)
        existing = uow.social.kudos_from(checkin.id, cmd.actor.member_id, emoji)
        if existing is not None:
            return GivenKudos(existing, created=False)
        try:
            with uow.savepoint():  # its kudos.given is undone with it
                kudos = Kudos(checkin, cmd.actor.member_id, emoji, at=clock.now())
                uow.social.add(kudos)
        except IntegrityError:  # a copy of this request gave them first (the key decides)
            return GivenKudos(uow.social.kudos_from(checkin.id, cmd.actor.member_id, emoji),
                              created=False)
        uow.commit()
    return GivenKudos(kudos, created=True)


def add_comment(cmd: AddComment, uow: CheckinsUnitOfWork, clock: Clock,
                render_comment: Callable[[Comment], object]) -> Once[Comment]:
    """Comment on a check-in the caller can see; with an idempotency key, once: a retry (a
    double click, a resend after a timeout) gets the first answer and adds nothing."""
    with uow:
        def commented() -> Comment:
            checkin, _ = readable_checkin(uow, cmd.actor, cmd.checkin_id)
            comment = Comment(checkin, cmd.actor.member_id, cmd.text, at=clock.now())
            uow.social.add(comment)
            return comment

        result = made_once(uow.idempotency_keys, cmd.idempotency, clock.now(), commented,
                           render_comment)
        uow.commit()
    return result


def list_comments(cmd: ListComments,
                  reader: CheckinsUnitOfWork) -> tuple[list[Comment], str | None]:
    with reader:
        checkin, _ = readable_checkin(reader, cmd.actor, cmd.checkin_id)
        return reader.listings.comments_of_checkin(checkin.id, cmd.limit, cmd.cursor)
