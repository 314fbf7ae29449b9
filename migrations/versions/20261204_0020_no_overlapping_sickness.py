"""no overlapping sickness: on PostgreSQL the database refuses two sickness spells of one assignment that
overlap (an exclusion constraint), whatever the application checked before two writers committed

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The application checks overlaps before it writes; two imports at once could both pass that check. SQLite
# has one writer at a time and every writing transaction re-reads under the write lock, so the constraint
# is PostgreSQL's alone. btree_gist gives GiST the equality on assignment_id; it is a trusted extension
# (PostgreSQL 13+), so the database's owner may create it.
OVERLAPS = """
SELECT a.id, b.id FROM absence a JOIN absence b
  ON a.assignment_id = b.assignment_id AND a.id < b.id
 AND a.category = 'SICKNESS' AND b.category = 'SICKNESS'
 AND daterange(a.first_day, a.last_day, '[]') && daterange(b.first_day, b.last_day, '[]')
 LIMIT 10
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    clashes = op.get_bind().execute(sa.text(OVERLAPS)).all()
    if clashes:
        pairs = ", ".join(f"{a} and {b}" for a, b in clashes)
        raise RuntimeError(
            f"Sickness absences overlap (absence ids {pairs}): correct or delete one of each pair, then run "
            "the migration again."
        )
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        "ALTER TABLE absence ADD CONSTRAINT ex_absence_sickness_overlap EXCLUDE USING gist "
        "(assignment_id WITH =, daterange(first_day, last_day, '[]') WITH &&) WHERE (category = 'SICKNESS')"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE absence DROP CONSTRAINT ex_absence_sickness_overlap")
