"""Use cases of kudos and comments on check-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from services.checkins.domain.social import Comment, Kudos, check_emoji
from services.checkins.service_layer.access import readable_checkin
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import Conflict
from shared.pagination import decode_cursor, page_of


def give_kudos(checkin_id: str, emoji: str, principal: Principal, uow: CheckinsUnitOfWork,
               clock: Clock) -> tuple[Kudos, bool]:
    """The kudos and whether it is new: the same emoji from the same person counts once."""
    with uow:
        checkin, _ = readable_checkin(uow, principal, checkin_id)
        existing = uow.social.kudos_from(checkin.id, principal.member_id, check_emoji(emoji))
        if existing is not None:
            return existing, False
        kudos = Kudos(checkin, principal.member_id, emoji, at=clock.now())
        uow.social.add(kudos)
        try:
            uow.commit()
        except IntegrityError as exc:  # the same kudos from a concurrent request won
            raise Conflict("these kudos were just given") from exc
    return kudos, True


def add_comment(checkin_id: str, text: str, principal: Principal, uow: CheckinsUnitOfWork,
                clock: Clock) -> Comment:
    with uow:
        checkin, _ = readable_checkin(uow, principal, checkin_id)
        comment = Comment(checkin, principal.member_id, text, at=clock.now())
        uow.social.add(comment)
        uow.commit()
    return comment


def list_comments(checkin_id: str, principal: Principal, uow: CheckinsUnitOfWork, *, limit: int,
                  cursor: str | None) -> tuple[list[Comment], str | None]:
    after = decode_cursor(cursor, 2)
    if after is not None:
        after = [datetime.fromisoformat(after[0]), after[1]]
    with uow:
        checkin, _ = readable_checkin(uow, principal, checkin_id)
        rows = uow.social.comments(checkin.id, limit, after)
    return page_of(rows, limit, lambda c: (c.created_at.isoformat(), c.id))
