"""The subject access export is complete by construction (issue 17): the migrated schema is reflected, every
table with a column that leads to a person is found, and each must be exported (``PARTS``) or left out
with a written reason (``NOT_EXPORTED``). A new table holding personal data fails here until decided."""

from __future__ import annotations

from sqlalchemy import MetaData, Table

from passport.subject_access.operations import NOT_EXPORTED, PARTS, SECRET_COLUMNS

PEOPLE = {"staff_member", "user_account"}
# Columns that name a person without a foreign key to her record.
PERSON_WORDS = ("email", "to_address", "staff_member_id", "user_id", "_by_id")


def _references(table: Table, tables: dict[str, Table]) -> set[str]:
    """The tables ``table`` points at: its foreign keys, and an ``X_id`` column without one that names a
    table ending in X (``credential_id`` -> ``issued_credential``), as a reader would follow it."""
    found = {fk.column.table.name for fk in table.foreign_keys}
    for column in table.columns:
        if column.name.endswith("_id") and not column.foreign_keys:
            stem = column.name.removesuffix("_id")
            found |= {name for name in tables if name == stem or name.endswith("_" + stem)}
    return found


def tables_leading_to_a_person(metadata: MetaData) -> set[str]:
    tables = dict(metadata.tables)
    leading = {
        name
        for name, table in tables.items()
        if name in PEOPLE or any(word in column.name for column in table.columns for word in PERSON_WORDS)
    }
    while True:  # and whatever points at those, at any depth
        more = {name for name, table in tables.items() if _references(table, tables) & leading} - leading
        if not more:
            return leading
        leading |= more


def test_every_table_that_leads_to_a_person_is_exported_or_left_out_with_a_reason(engine) -> None:
    metadata = MetaData()
    metadata.reflect(engine)  # the schema the migrations made, not the models' idea of it
    leading = tables_leading_to_a_person(metadata)
    assert {"absence", "share_opening", "job_credential_fact", "audit_event"} <= leading  # the search works
    exported = [part.table for part in PARTS]
    assert len(exported) == len(set(exported)), "a table is exported twice"
    undecided = leading - set(exported) - set(NOT_EXPORTED)
    assert sorted(undecided) == [], "tables holding personal data, undecided: export them or say why not"
    assert not set(exported) & set(NOT_EXPORTED), "a table is both exported and left out"
    assert sorted((set(exported) | set(NOT_EXPORTED)) - set(metadata.tables)) == [], "no such table"
    assert all(reason.strip() for reason in NOT_EXPORTED.values())
    for table, columns in SECRET_COLUMNS.items():
        assert columns <= {c.name for c in metadata.tables[table].columns}, f"{table} has no such column"
