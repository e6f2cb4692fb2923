"""level metrics progress: a goal whose metric target equals its start reads as it stands

Such a metric has no way from start to target, and its progress read 1 (100%) from the first
day, reached or not. New ones are refused; a goal saved so before now reads 1 while its metric is
reached and 0 while it is away (Metric.progress). This sets the progress kept for those goals
(not for one whose progress is its children's roll-up) to what it now reads, and makes their
health check due now, so the health job judges them again from that progress (health, expected
pace, days of safety) instead of at the due date a progress of 1 had put it off to. Parents'
roll-ups follow at the child's next change.

Revision ID: c5e8a1d4f702
Revises: a2c7e5f9b318
Create Date: 2026-12-06 07:10:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

# revision identifiers, used by Alembic.
revision: str = "c5e8a1d4f702"
down_revision: str | Sequence[str] | None = "a2c7e5f9b318"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.get_bind().execute(
        sa.text(
            "UPDATE goals SET progress = CASE WHEN metric_direction = 'decrease' "
            "AND metric_current <= metric_target OR metric_direction <> 'decrease' "
            "AND metric_current >= metric_target THEN 1.0 ELSE 0.0 END, "
            "next_health_check_at = :now "
            "WHERE metric_unit IS NOT NULL AND metric_start = metric_target "
            "AND rollup_progress IS NULL"
        ).bindparams(sa.bindparam("now", datetime.now(UTC), type_=UtcDateTime()))
    )


def downgrade() -> None:
    """The progress read before is not kept: nothing to restore."""
