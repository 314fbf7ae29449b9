"""signed-in sessions: each sign-in recorded, so a person sees where she is signed in and ends it there

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 15:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Cookies from before name no session: their holders sign in again once after this release.
    op.create_table(
        "signed_in_session",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", passport.db.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", passport.db.UTCDateTime(), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ended_at", passport.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f("fk_signed_in_session_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signed_in_session")),
    )
    with op.batch_alter_table("signed_in_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signed_in_session_last_seen_at"), ["last_seen_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signed_in_session_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signed_in_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signed_in_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_signed_in_session_last_seen_at"))
    op.drop_table("signed_in_session")
