"""credentials jobs: a bulk upload's credentials remember their upload and CSV line

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 13:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db  # noqa: F401

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE INDEX (no batch copy of the table): nullable columns without
    # constraints need no table rebuild on SQLite, and issued_credential is referenced by shares.
    op.add_column('issued_credential', sa.Column('bulk_upload_id', sa.String(length=36), nullable=True))
    op.add_column('issued_credential', sa.Column('bulk_line', sa.Integer(), nullable=True))
    op.create_index(
        'ix_issued_credential_bulk_upload_line',
        'issued_credential',
        ['bulk_upload_id', 'bulk_line'],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index('ix_issued_credential_bulk_upload_line', table_name='issued_credential')
    # SQLite 3.35+ drops a column in place, so no batch copy here either.
    op.drop_column('issued_credential', 'bulk_line')
    op.drop_column('issued_credential', 'bulk_upload_id')
