"""metrics roll-ups

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:06:04.956553
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db


revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rollup_state',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('source_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('first_month', sa.Integer(), nullable=False),
    sa.Column('last_month', sa.Integer(), nullable=False),
    sa.Column('build_seconds', sa.Float(), nullable=False),
    sa.Column('built_at', passport.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_state'))
    )
    op.create_table('retention_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=11), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=True),
    sa.Column('staff_group', sa.String(length=8), nullable=False),
    sa.Column('band', sa.String(length=3), nullable=True),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('leavers', sa.Integer(), nullable=False),
    sa.Column('leavers_fte_e4', sa.BigInteger(), nullable=False),
    sa.Column('start_headcount', sa.Integer(), nullable=False),
    sa.Column('start_fte_e4', sa.BigInteger(), nullable=False),
    sa.Column('end_headcount', sa.Integer(), nullable=False),
    sa.Column('end_fte_e4', sa.BigInteger(), nullable=False),
    sa.Column('stability_start_headcount', sa.Integer(), nullable=False),
    sa.Column('stability_still_in_post', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], name=op.f('fk_retention_rollup_trust_id_trust')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_rollup'))
    )
    with op.batch_alter_table('retention_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_retention_rollup_cell', ['level', 'staff_group', 'band', 'month'], unique=False)

    op.create_table('sickness_rollup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('trust_id', sa.Integer(), nullable=False),
    sa.Column('staff_group', sa.String(length=8), nullable=False),
    sa.Column('band', sa.String(length=3), nullable=True),
    sa.Column('reason_code', sa.String(length=3), nullable=True),
    sa.Column('fte_days_lost_e4', sa.BigInteger(), nullable=False),
    sa.Column('fte_days_available_e4', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], name=op.f('fk_sickness_rollup_trust_id_trust')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sickness_rollup'))
    )
    with op.batch_alter_table('sickness_rollup', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sickness_rollup_month'), ['month'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sickness_rollup', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sickness_rollup_month'))

    op.drop_table('sickness_rollup')
    with op.batch_alter_table('retention_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_retention_rollup_cell')

    op.drop_table('retention_rollup')
    op.drop_table('rollup_state')
