"""A Slack user id as a person typed it, and the one rule that spells stored ids so.

Slack's user ids are upper case (`U024BE7LH`); one typed in lower case, or with spaces
around it, names the same user (`SlackUserId` reads it so). Ids stored before that rule are
spelled as Slack writes them by `upper_case_slack_user_ids`, one data migration in each
service that keeps members' Slack user ids (goals' members, notifications' replica of them),
and notifications' replica takes one from an event published before it by the same rule
(`kept_slack_user_ids`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

TYPED = re.compile(r"^ *[UWuw][A-Za-z0-9]{2,30} *\Z")
"""A Slack user id as a person may type or paste it: in any case, spaces around it (not a
line break: "UBEN\\n" is refused), the pattern the OpenAPI specs give."""


def as_slack_writes_it(text: str) -> str | None:
    """`text` spelled as Slack writes the user id it names (`u0123abcd ` is `U0123ABCD`); None
    when it names no Slack user id. ASCII only: "ſ".upper() is "S"."""
    return text.strip(" ").upper() if TYPED.match(text) and text.isascii() else None


def kept_slack_user_ids(members: Iterable[tuple[str, str, str, str]]
                        ) -> tuple[dict[str, str], list[str]]:
    """Of `members` (id, team, state, Slack user id as stored), the ids to spell as Slack
    writes them, by member, and the members whose id goes (None) because a teammate's names
    the same Slack user: in each team, the member Slack acts for today keeps it (not left,
    then already spelled as Slack writes it, then the lowest id); ids naming no Slack user
    stay as they are."""
    naming: dict[tuple[str, str], list[tuple[bool, bool, str, str]]] = defaultdict(list)
    for member_id, team_id, state, stored in members:
        spelled = as_slack_writes_it(stored)
        if spelled is not None:
            naming[team_id, spelled].append((state == "left", stored != spelled, member_id,
                                             stored))
    rewritten, cleared = {}, []
    for (_, spelled), holders in naming.items():
        (_, _, keeper, stored), *others = sorted(holders)
        cleared += [member_id for _, _, member_id, _ in others]
        if stored != spelled:
            rewritten[keeper] = spelled
    return rewritten, cleared


def upper_case_slack_user_ids(bind: sa.Connection, table: str, id_column: str) -> None:
    """An Alembic data migration's body: spell the Slack user ids of `table`'s members as
    Slack writes them, clearing first those a teammate keeps (`kept_slack_user_ids`), so no
    unique index on (team, Slack user) is crossed."""
    members = sa.table(table, sa.column(id_column), sa.column("team_id"), sa.column("state"),
                       sa.column("slack_user_id"))
    key = members.c[id_column]
    rewritten, cleared = kept_slack_user_ids(bind.execute(
        sa.select(key, members.c.team_id, members.c.state, members.c.slack_user_id)
        .where(members.c.slack_user_id.is_not(None))).all())
    if cleared:
        bind.execute(members.update().where(key.in_(cleared)).values(slack_user_id=None))
    if rewritten:
        bind.execute(members.update().where(key == sa.bindparam("member"))
                     .values(slack_user_id=sa.bindparam("spelled")),
                     [{"member": m, "spelled": s} for m, s in rewritten.items()])
