"""slack requests keep the answer, not its words: worded when it is sent

A slash command's answer DMed late (its response_url spent) was kept as its words, made when
it was queued, and DMed as they were: a goal made private meanwhile, or its member gone from
the team, was still named. `answer` now keeps what the answer says (`Answer.dumps`: kind and
figures), recorded whenever the answer is made, and the DM words it when it is sent;
`dmed_at` says it was queued as a DM. Rows the code before DMed keep `dmed_at` (their
`answered_at`) and their words as what they `said`, sent as they are (as the code before
would); a downgrade gives the code before the words of those DMed (naming no goal).

Revision ID: e8c4a2f6b913
Revises: d5a8c3f1e926
Create Date: 2026-12-07 22:50:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.notifications.domain.slack_rejections import in_slack_words, rejected_text
from shared.numbers import figure

# revision identifiers, used by Alembic.
revision: str = "e8c4a2f6b913"
down_revision: str | Sequence[str] | None = "d5a8c3f1e926"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _said(words: str) -> str:
    """The answer (`Answer.dumps`) the code before kept as `words`: what it said, sent as it
    is (`Answer.said`)."""
    return json.dumps({"kind": "said", "value": None, "progress": None, "reason": None,
                       "words": words})


def _words(answer: str) -> str:
    """The words the code before DMs for `answer` (`Answer.dumps`): what it said, or the
    answer naming no goal."""
    try:
        kept = json.loads(answer)
    except ValueError:
        return answer
    if kept.get("kind") == "said":
        return kept.get("words") or ""
    if kept.get("kind") == "refused":
        return rejected_text(None, in_slack_words(kept.get("reason") or "", None))
    value = kept.get("value")
    return f"✅ Logged {figure(value)}." if value is not None else "✅ Logged your check-in."


def upgrade() -> None:
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dmed_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT request_id, answer FROM slack_requests "
                                "WHERE answer IS NOT NULL")).all()
    for request_id, words in rows:
        bind.execute(sa.text("UPDATE slack_requests SET answer = :answer, "
                             "dmed_at = answered_at WHERE request_id = :id"),
                     {"answer": _said(words), "id": request_id})


def downgrade() -> None:
    """The code before keeps an answer only once DMed, as its words: those DMed get them
    back (`_words`), the others none."""
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE slack_requests SET answer = NULL WHERE dmed_at IS NULL"))
    rows = bind.execute(sa.text("SELECT request_id, answer FROM slack_requests "
                                "WHERE answer IS NOT NULL")).all()
    for request_id, answer in rows:
        bind.execute(sa.text("UPDATE slack_requests SET answer = :words WHERE request_id = :id"),
                     {"words": _words(answer), "id": request_id})
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.drop_column("dmed_at")
