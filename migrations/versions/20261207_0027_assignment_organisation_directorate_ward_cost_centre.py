"""assignment organisation: directorate, ward or department and cost centre, from the ESR extract

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("directorate", 100), ("ward", 100), ("cost_centre", 20))


def upgrade() -> None:
    # Nullable, so the columns are added in place on both engines; older posts simply have none.
    for name, length in COLUMNS:
        op.add_column("assignment", sa.Column(name, sa.String(length=length), nullable=True))


def downgrade() -> None:
    for name, _length in reversed(COLUMNS):
        op.drop_column("assignment", name)  # in place (SQLite 3.35 and later)
