"""slack requests keep the answer, not its words: worded when it is sent

A slash command's answer DMed late (its response_url spent) was kept as its words, made when
it was queued, and DMed as they were: a goal made private meanwhile, or its member gone from
the team, was still named. `answer` now keeps what the answer says (`Answer.dumps`: kind and
figures), recorded whenever the answer is made, and the DM words it when it is sent;
`dmed_at` says it was queued as a DM. Rows the code before DMed keep `dmed_at` (their
`answered_at`) and their words become an answer that names no goal: a logged one, the
check-in alone ("✅ Logged your check-in."); a refused one, its reason as the words said it.

Revision ID: e8c4a2f6b913
Revises: d5a8c3f1e926
Create Date: 2026-12-07 22:50:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e8c4a2f6b913"
down_revision: str | Sequence[str] | None = "d5a8c3f1e926"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_LOGGED = " was not logged: "


def _answer_of(words: str) -> str:
    """The answer (`Answer.dumps`) that the words the code before DMed say, naming no goal."""
    if NOT_LOGGED in words:
        reason = words.split(NOT_LOGGED, 1)[1]
        for escaped, plain in (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
            reason = reason.replace(escaped, plain)
        return json.dumps({"kind": "refused", "value": None, "progress": None,
                           "reason": reason})
    return json.dumps({"kind": "logged", "value": None, "progress": None, "reason": None})


def upgrade() -> None:
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dmed_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT request_id, answer FROM slack_requests "
                                "WHERE answer IS NOT NULL")).all()
    for request_id, words in rows:
        bind.execute(sa.text("UPDATE slack_requests SET answer = :answer, "
                             "dmed_at = answered_at WHERE request_id = :id"),
                     {"answer": _answer_of(words), "id": request_id})


def downgrade() -> None:
    op.execute("UPDATE slack_requests SET answer = NULL WHERE dmed_at IS NULL")
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.drop_column("dmed_at")
