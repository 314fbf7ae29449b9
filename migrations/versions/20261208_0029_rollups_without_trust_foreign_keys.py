"""sickness_rollup, retention_rollup: no foreign key to trust. The roll-ups are counted from records that
carry their own (an absence's and a post's trust), are thrown away and counted again at will, and are
written only by the count; checking each cell's trust as it is written cost a full count 0.85 s of its
3.0-3.3 s on PostgreSQL (178,000 + 60,000 cells into empty roll-ups after a first import).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOREIGN_KEYS = {
    "sickness_rollup": "fk_sickness_rollup_trust_id_trust",
    "retention_rollup": "fk_retention_rollup_trust_id_trust",
}
# The roll-ups' unique indexes are on expressions, which SQLite's batch mode does not carry across when
# it copies a table (it reflects no expression index): made again after the copy.
_CELL_INDEXES = {
    "sickness_rollup": (
        "uq_sickness_rollup_cell",
        [
            "month",
            "trust_id",
            "staff_group",
            sa.text("coalesce(band, '')"),
            sa.text("coalesce(reason_code, '')"),
            sa.text("coalesce(term, '')"),
        ],
    ),
    "retention_rollup": (
        "uq_retention_rollup_cell",
        ["level", sa.text("coalesce(trust_id, 0)"), "staff_group", sa.text("coalesce(band, '')"), "month"],
    ),
}


def upgrade() -> None:
    for table, name in _FOREIGN_KEYS.items():
        if op.get_bind().dialect.name == "sqlite":
            with _expression_index_unreflected(), op.batch_alter_table(table, recreate="always") as batch_op:
                batch_op.drop_constraint(name, type_="foreignkey")
            _make_cell_index_again(table)
        else:
            op.drop_constraint(name, table, type_="foreignkey")


def downgrade() -> None:
    for table, name in _FOREIGN_KEYS.items():
        if op.get_bind().dialect.name == "sqlite":
            with _expression_index_unreflected(), op.batch_alter_table(table, recreate="always") as batch_op:
                batch_op.create_foreign_key(name, "trust", ["trust_id"], ["id"])
            _make_cell_index_again(table)
        else:
            op.create_foreign_key(name, table, "trust", ["trust_id"], ["id"])


@contextmanager
def _expression_index_unreflected() -> Iterator[None]:
    """Without SQLAlchemy's warning that it skips the expression index, which is made again just after."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        yield


def _make_cell_index_again(table: str) -> None:
    name, columns = _CELL_INDEXES[table]
    if name not in {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}:
        op.create_index(name, table, columns, unique=True)
