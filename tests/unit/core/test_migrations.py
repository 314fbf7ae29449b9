"""The schema is made by Alembic alone: models and migrations agree, and the chain goes both ways."""

from __future__ import annotations

import os
import tempfile

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from passport.db import make_engine
from passport.models import Base
from tests.conftest import _create_postgres_database, alembic_config


@pytest.fixture
def fresh_engine():
    server_url = os.environ.get("PASSPORT_TEST_DATABASE_URL")
    if server_url:
        url, drop = _create_postgres_database(server_url)
        engine = make_engine(url)
        yield engine
        engine.dispose()
        drop()
        return
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/m.sqlite3")
        yield engine
        engine.dispose()


def test_models_and_migrations_agree(engine):
    """What `alembic check` does: autogenerate finds no difference."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_upgrade_downgrade_upgrade_with_rows(fresh_engine):
    with fresh_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
        connection.execute(
            text("INSERT INTO partnership (code, name, created_at) VALUES ('SLP', 'S', CURRENT_TIMESTAMP)")
        )
        connection.execute(
            text(
                "INSERT INTO trust (partnership_id, ods_code, name, created_at) "
                "SELECT id, 'RPG', 'Oxleas', CURRENT_TIMESTAMP FROM partnership"
            )
        )
    with fresh_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    assert set(inspect(fresh_engine).get_table_names()) <= {"alembic_version"}
    with fresh_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    tables = set(inspect(fresh_engine).get_table_names())
    assert {"trust", "user_account", "audit_event"} <= tables
