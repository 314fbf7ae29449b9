"""dashboard snapshots and the indexes that keep them cheap

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 18:47:12.821818
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db


revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dashboard_snapshot',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('source_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('charts', sa.JSON(), nullable=False),
    sa.Column('compute_seconds', sa.Float(), nullable=False),
    sa.Column('computed_at', passport.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_dashboard_snapshot'))
    )
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.create_index('ix_absence_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_person_type', ['person_type'], unique=False)
        batch_op.create_index('ix_assignment_updated_at', ['updated_at'], unique=False)

    with op.batch_alter_table('published_sickness', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_sickness_imported_at'), ['imported_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('published_sickness', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_sickness_imported_at'))

    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_updated_at')
        batch_op.drop_index('ix_assignment_person_type')

    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index('ix_absence_updated_at')

    op.drop_table('dashboard_snapshot')
