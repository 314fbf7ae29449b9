"""record views: each view of a person's staff record, absences or Bradford factor by someone else, which she
sees as a list (role, trust, when)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 08:49:16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("viewer_user_id", sa.Integer(), nullable=True),
        sa.Column("viewer_roles", sa.String(length=100), nullable=False),
        sa.Column("viewer_trust_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=40), nullable=False),
        sa.Column("viewed_at", passport.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
            name=op.f("fk_record_view_staff_member_id_staff_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_trust_id"], ["trust.id"], name=op.f("fk_record_view_viewer_trust_id_trust")
        ),
        sa.ForeignKeyConstraint(
            ["viewer_user_id"],
            ["user_account.id"],
            name=op.f("fk_record_view_viewer_user_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_view")),
    )
    with op.batch_alter_table("record_view", schema=None) as batch_op:
        batch_op.create_index(
            "ix_record_view_staff_member_viewed_at", ["staff_member_id", "viewed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("record_view", schema=None) as batch_op:
        batch_op.drop_index("ix_record_view_staff_member_viewed_at")
    op.drop_table("record_view")
