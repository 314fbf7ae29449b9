"""outbox shares case jobs: outbox emails are claimed by one sender at a time; shares found by expiry

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db

revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Which sender holds an unsent email, and since when (a claim older than the timeout is taken again).
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_at', passport.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
    # The expire-shares job looks shares up by their expiry every hour.
    with op.batch_alter_table('passport_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_passport_share_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('passport_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_passport_share_expires_at'))
    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('claimed_at')
