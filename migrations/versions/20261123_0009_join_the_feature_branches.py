"""join the feature branches

Revision ID: 0009
Revises: 0003, 0006, 0008
Create Date: 2026-11-23 19:50:13.041188
"""

from __future__ import annotations

from collections.abc import Sequence




revision: str = '0009'
down_revision: str | Sequence[str] | None = ('0003', '0006', '0008')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
