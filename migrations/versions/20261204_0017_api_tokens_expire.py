"""api tokens expire: every token has an expiry; those made before without one expire 90 days from now

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import passport.db

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tokens made before expiry existed keep working for the default period, so no program stops at once.
    api_token = sa.table("api_token", sa.column("expires_at", passport.db.UTCDateTime()))
    op.execute(
        api_token.update()
        .where(api_token.c.expires_at.is_(None))
        .values(expires_at=datetime.now(UTC) + timedelta(days=90))
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=passport.db.UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=passport.db.UTCDateTime(), nullable=True)
