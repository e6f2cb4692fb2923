"""level metrics progress: a goal whose metric target equals its start reads as it stands

Such a metric has no way from start to target, and its progress read 1 (100%) from the first
day, reached or not. New ones are refused; a goal saved so before now reads 1 while its metric is
reached and 0 while it is away (Metric.progress). This sets the progress kept for those goals
(not for one whose progress is its children's roll-up) to what it now reads.

Revision ID: c5e8a1d4f702
Revises: a2c7e5f9b318
Create Date: 2026-12-06 07:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c5e8a1d4f702"
down_revision: str | Sequence[str] | None = "a2c7e5f9b318"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE goals SET progress = CASE WHEN metric_direction = 'decrease' "
        "AND metric_current <= metric_target OR metric_direction <> 'decrease' "
        "AND metric_current >= metric_target THEN 1.0 ELSE 0.0 END "
        "WHERE metric_unit IS NOT NULL AND metric_start = metric_target "
        "AND rollup_progress IS NULL"
    )


def downgrade() -> None:
    """The progress read before is not kept: nothing to restore."""
