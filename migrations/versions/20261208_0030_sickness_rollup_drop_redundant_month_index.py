"""sickness_rollup: drop ix_sickness_rollup_month, which the unique cell index already serves (it leads
with month); every cell written updated both (178,000 cells into an empty roll-up: 0.25 s of 1.4 s on
PostgreSQL)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_sickness_rollup_month", table_name="sickness_rollup")


def downgrade() -> None:
    op.create_index("ix_sickness_rollup_month", "sickness_rollup", ["month"], unique=False)
