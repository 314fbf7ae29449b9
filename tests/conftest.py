"""The test harness: a real database made by ``alembic upgrade head``, one transaction per test.

The suite runs on SQLite by default. With ``PASSPORT_TEST_DATABASE_URL`` set to a PostgreSQL server URL
it creates a database of its own there, runs every test against it, and drops it at the end.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from passport.app import create_app
from passport.db import make_engine
from tests.support import factories

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(connection=None) -> Config:  # type: ignore[no-untyped-def]
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _create_postgres_database(server_url: str) -> tuple[str, callable]:  # type: ignore[valid-type]
    name = f"passport_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    server_url = os.environ.get("PASSPORT_TEST_DATABASE_URL")
    if server_url:
        url, drop = _create_postgres_database(server_url)
        try:
            yield url
        finally:
            drop()
        return
    with tempfile.TemporaryDirectory(prefix="passport-test-") as folder:
        yield f"sqlite:///{folder}/test.sqlite3"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(engine: Engine, database_url: str) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "PASSPORT_DATABASE_URL": database_url,
            "WTF_CSRF_ENABLED": False,
            # Many tests sign in from one address; the strict limit has a test of its own.
            "PASSPORT_SIGN_IN_RATE_LIMIT": "10000 per minute",
            "PASSPORT_SIGN_IN_ADDRESS_RATE_LIMIT": "10000 per minute",
            # Refreshing the metrics after every change to workforce records is tested where it is asked
            # for (the ``dashboards_after_imports`` fixture); elsewhere it would only slow the suite.
            "PASSPORT_METRICS_REFRESH_ON_CHANGE": False,
            "SERVER_NAME": None,
        }
    )
    return app


@pytest.fixture
def dashboards_after_imports(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports count the usual dashboards again afterwards, as they do in service."""
    monkeypatch.setitem(app.config, "PASSPORT_METRICS_REFRESH_ON_CHANGE", True)


@pytest.fixture
def connection(engine: Engine) -> Iterator:  # type: ignore[type-arg]
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session(app: Flask, connection) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    """The test's session; the app's sessions share its connection, and everything is rolled back."""
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    previous = app.extensions["passport_sessionmaker"]
    app.extensions["passport_sessionmaker"] = factory
    db_session = factory()
    factories.bind(db_session)
    try:
        yield db_session
    finally:
        db_session.close()
        app.extensions["passport_sessionmaker"] = previous


@pytest.fixture
def client(app: Flask, session: Session):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def demo_trusts(session: Session):  # type: ignore[no-untyped-def]
    """Two partner trusts: the tests' own trust and another."""
    return factories.TrustFactory(ods_code="RPG", name="Oxleas NHS Foundation Trust"), factories.TrustFactory(
        ods_code="RV5", name="South London and Maudsley NHS Foundation Trust"
    )


def sign_in(client, user, password: str = factories.DEFAULT_PASSWORD):  # type: ignore[no-untyped-def]
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


@pytest.fixture(autouse=True)
def _push_request_context():  # type: ignore[no-untyped-def]
    """Overrides pytest-flask's fixture of the same name: each test request then gets a fresh app
    context, as in production, instead of sharing ``g`` (and a cached user) across requests."""
    yield


# Feature factories register themselves with `factories.bind` when imported.
import tests.support.framework_factories  # noqa: E402,F401
import tests.support.workforce_factories  # noqa: E402,F401
