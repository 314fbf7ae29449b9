"""trust sickness target: the rate a trust board aims to stay under, drawn on the dashboard's charts

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 02:26:09.100381
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RANGE = "sickness_target_percent >= 0 AND sickness_target_percent <= 100"


def upgrade() -> None:
    # The column comes with its CHECK (ALTER TABLE ... ADD COLUMN ... CONSTRAINT ... CHECK, on SQLite as on
    # PostgreSQL), so SQLite does not copy the trust table, which nearly every other table points at.
    op.add_column(
        "trust",
        sa.Column(
            "sickness_target_percent",
            sa.Numeric(precision=5, scale=2),
            sa.CheckConstraint(RANGE, name=op.f("ck_trust_sickness_target_range")),
            nullable=True,
        ),
    )


def downgrade() -> None:
    # The column's own CHECK goes with it (SQLite 3.35 and later drop such a column in place).
    op.drop_column("trust", "sickness_target_percent")
