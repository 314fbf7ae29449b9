"""absence: drop ix_absence_assignment_id, which the unique (assignment_id, first_day, category) index
already serves (it leads with assignment_id); every absence written updated both

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_absence_assignment_id", table_name="absence")


def downgrade() -> None:
    op.create_index("ix_absence_assignment_id", "absence", ["assignment_id"], unique=False)
