"""anonymised posts recognised: the digest of an anonymised assignment's ESR number, so a later extract leaves it alone

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 12:06:41.751065
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = "0024"
down_revision: str | Sequence[str] | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("anonymised_number_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_assignment_anonymised_number_digest"), ["anonymised_number_digest"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_anonymised_number_digest"))
        batch_op.drop_column("anonymised_number_digest")
