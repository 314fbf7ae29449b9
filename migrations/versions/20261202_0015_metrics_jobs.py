"""metrics jobs: every roll-up cell has a unique key, so no interleaving of refreshes can repeat one

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Roll-ups are counted again from the records by the next refresh: emptying them now means a cell
    # repeated by an earlier interleaving cannot stop the unique index from being made. The dashboard
    # counts from the records meanwhile (a roll-up without its state is never read).
    op.execute("DELETE FROM sickness_rollup")
    op.execute("DELETE FROM retention_rollup")
    op.execute("DELETE FROM rollup_state")
    # Expressions, not plain columns: a NULL band, reason or trust is a value of its own in a cell's key,
    # and a plain UNIQUE lets NULLs repeat (SQLite, and PostgreSQL before NULLS NOT DISTINCT).
    op.create_index(
        'uq_sickness_rollup_cell',
        'sickness_rollup',
        ['month', 'trust_id', 'staff_group', sa.text("coalesce(band, '')"), sa.text("coalesce(reason_code, '')")],
        unique=True,
    )
    op.create_index(
        'uq_retention_rollup_cell',
        'retention_rollup',
        ['level', sa.text('coalesce(trust_id, 0)'), 'staff_group', sa.text("coalesce(band, '')"), 'month'],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index('uq_retention_rollup_cell', table_name='retention_rollup')
    op.drop_index('uq_sickness_rollup_cell', table_name='sickness_rollup')
