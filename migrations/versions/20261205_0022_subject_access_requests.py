"""subject access requests: a request made by letter, email or in person, recorded by HR of the person's trust
with its one-month deadline

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 08:56:10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import passport.db

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "subject_access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_member_id", sa.Integer(), nullable=False),
        sa.Column("trust_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("how_received", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", passport.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("export_job_id", sa.Integer(), nullable=True),
        sa.Column("completed_at", passport.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["export_job_id"],
            ["background_job.id"],
            name=op.f("fk_subject_access_request_export_job_id_background_job"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_subject_access_request_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_member_id"],
            ["staff_member.id"],
            name=op.f("fk_subject_access_request_staff_member_id_staff_member"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trust_id"], ["trust.id"], name=op.f("fk_subject_access_request_trust_id_trust")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_request")),
    )
    with op.batch_alter_table("subject_access_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_access_request_staff_member_id"), ["staff_member_id"], unique=False
        )
        batch_op.create_index(
            "ix_subject_access_request_trust_due", ["trust_id", "completed_at", "due_on"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("subject_access_request", schema=None) as batch_op:
        batch_op.drop_index("ix_subject_access_request_trust_due")
        batch_op.drop_index(batch_op.f("ix_subject_access_request_staff_member_id"))

    op.drop_table("subject_access_request")
