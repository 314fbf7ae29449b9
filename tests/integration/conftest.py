"""The integration group: the service as it is deployed, on PostgreSQL and Redis.

Two web instances (gunicorn with ``gunicorn.conf.py``) on two ports and background workers
(``flask passport worker``) as separate processes (``tests/support/live_stack.py``). Tests start, kill
(SIGKILL) and restart workers. PostgreSQL (``PASSPORT_TEST_POSTGRES_URL``) and Redis
(``PASSPORT_TEST_REDIS_URL``) must be reachable: without them these tests fail, they never skip.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.live_stack import Stack, live_stack

# A worker that stops beating for this long is taken for dead by the sweeper.
STALE_SECONDS = 4


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@contextmanager
def prepared_stack(folder) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """Two trusts, HR of RPG and an admin with API tokens, and two web instances; no worker yet."""
    with live_stack(folder, PASSPORT_JOB_STALE_SECONDS=str(STALE_SECONDS)) as stack:
        for code, title in (("RPG", "Oxleas NHS Foundation Trust"), ("RV5", "South London and Maudsley")):
            stack.flask("create-trust", code, title)
        stack.flask(
            "create-user",
            "--email",
            "hr@rpg.example",
            "--name",
            "Harriet Rees",
            "--role",
            "hr",
            "--trust",
            "RPG",
        )
        stack.flask(
            "create-user", "--email", "admin@partnership.example", "--name", "Ada Admin", "--role", "admin"
        )
        stack.add_tokens({"hr": "hr@rpg.example", "admin": "admin@partnership.example"})
        stack.start_web(2)
        yield stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    with prepared_stack(tmp_path_factory.mktemp("integration")) as stack:
        yield stack


@pytest.fixture
def fresh_stack(tmp_path) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    """A stack of its own, for a test that needs a database holding only what it puts there."""
    with prepared_stack(tmp_path) as stack:
        yield stack


@pytest.fixture
def worker(stack: Stack) -> Iterator[Stack]:
    """One live worker for the test; any worker left at its end is killed."""
    stack.start_worker()
    yield stack
    stack.kill_workers()
