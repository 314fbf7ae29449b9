"""workforce jobs: an import run belongs to the background job that runs it, and keeps its checkpoint

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db  # noqa: F401

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('applied_through_row', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.create_unique_constraint(batch_op.f('uq_import_run_job_id'), ['job_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_import_run_job_id_background_job'),
            'background_job',
            ['job_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_import_run_job_id_background_job'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_import_run_job_id'), type_='unique')
        batch_op.drop_column('applied_through_row')
        batch_op.drop_column('job_id')
