"""sickness roll-up term: FTE days lost and episodes started, short-term or long-term (over 28 days)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = [
    "month",
    "trust_id",
    "staff_group",
    sa.text("coalesce(band, '')"),
    sa.text("coalesce(reason_code, '')"),
]


def upgrade() -> None:
    # The kept cells have no term: they are counted again from the records by the next refresh (a roll-up
    # without its state is never read; the dashboard counts from the records meanwhile). Emptying them
    # also lets SQLite add the NOT NULL column in place.
    op.execute("DELETE FROM sickness_rollup")
    op.execute("DELETE FROM rollup_state WHERE name = 'sickness'")
    op.drop_index("uq_sickness_rollup_cell", table_name="sickness_rollup")
    op.add_column("sickness_rollup", sa.Column("term", sa.String(length=5), nullable=True))
    op.add_column("sickness_rollup", sa.Column("episodes", sa.Integer(), server_default="0", nullable=False))
    op.create_index(
        "uq_sickness_rollup_cell",
        "sickness_rollup",
        [*OLD_KEY, sa.text("coalesce(term, '')")],
        unique=True,
    )


def downgrade() -> None:
    op.execute("DELETE FROM sickness_rollup")
    op.execute("DELETE FROM rollup_state WHERE name = 'sickness'")
    op.drop_index("uq_sickness_rollup_cell", table_name="sickness_rollup")
    op.drop_column("sickness_rollup", "episodes")  # in place (SQLite 3.35 and later)
    op.drop_column("sickness_rollup", "term")
    op.create_index("uq_sickness_rollup_cell", "sickness_rollup", OLD_KEY, unique=True)
