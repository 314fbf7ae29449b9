"""The integration group: the service as it is deployed, on PostgreSQL and Redis.

Two web instances (gunicorn with ``gunicorn.conf.py``) on two ports and background workers
(``flask passport worker``) as separate processes, on a PostgreSQL database and a Redis database of the
group's own. Tests start, kill (SIGKILL) and restart workers, and reach the instances over HTTP on
127.0.0.1 only. PostgreSQL (``PASSPORT_TEST_POSTGRES_URL``) and Redis (``PASSPORT_TEST_REDIS_URL``) must be
reachable: without them these tests fail, they never skip.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get(
    "PASSPORT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PASSPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
# A worker that stops beating for this long is taken for dead by the sweeper.
STALE_SECONDS = 4


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout:.0f} s: {what}")


@dataclass
class Stack:
    env: dict[str, str]
    engine: Engine
    web: list[str]
    folder: Path
    workers: list[subprocess.Popen] = field(default_factory=list)
    servers: list[subprocess.Popen] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    def start_worker(self) -> subprocess.Popen:
        log = (self.folder / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [BIN / "flask", "--app", "wsgi", "passport", "worker", "--threads", "1"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def kill_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)

    def api(
        self, instance: int, method: str, path: str, user: str = "hr", **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}", "Accept": "application/json"}
        return requests.request(method, self.web[instance] + path, headers=headers, timeout=30, **kwargs)

    def follow(self, instance: int, location: str, until: Callable[[dict], bool], timeout: float) -> dict:
        def poll() -> dict | None:
            job = self.api(instance, "GET", location).json()
            return job if until(job) else None

        return wait_until(poll, timeout, f"job at {location} to reach the expected state", every=0.3)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [BIN / "flask", "--app", "wsgi", "passport", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    import redis

    folder = tmp_path_factory.mktemp("integration")
    name = f"passport_it_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    queue = redis.Redis.from_url(REDIS_URL)
    queue.flushdb()
    env = {
        **os.environ,
        "PASSPORT_ENV": "development",
        "PASSPORT_DATABASE_URL": url,
        "PASSPORT_QUEUE_URL": REDIS_URL,
        "PASSPORT_RATELIMIT_STORAGE_URL": REDIS_URL,
        "PASSPORT_JOB_STALE_SECONDS": str(STALE_SECONDS),
        "SECRET_KEY": "integration-" + "x" * 40,
        "PASSPORT_KEY_ENCRYPTION_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJ8GSmPqfwZSCLw=",
        "PASSPORT_NEW_USER_PASSWORD": "integration-password-1",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
    }
    env.pop("PASSPORT_TEST_DATABASE_URL", None)
    subprocess.run([BIN / "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
    for code, title in (("RPG", "Oxleas NHS Foundation Trust"), ("RV5", "South London and Maudsley")):
        _run(env, "create-trust", code, title)
    _run(
        env,
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
    _run(env, "create-user", "--email", "admin@partnership.example", "--name", "Ada Admin", "--role", "admin")
    engine = create_engine(url)
    stack = Stack(env=env, engine=engine, web=[], folder=folder)
    stack.tokens = _tokens(engine, {"hr": "hr@rpg.example", "admin": "admin@partnership.example"})
    try:
        for instance in range(2):
            port = _free_port()
            log = (folder / f"web-{instance}.log").open("wb")
            server = subprocess.Popen(
                [BIN / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            stack.servers.append(server)
            stack.web.append(f"http://127.0.0.1:{port}")
        for base in stack.web:
            wait_until(lambda base=base: _healthy(base), 60, f"{base} to answer /healthz")
        yield stack
    finally:
        stack.kill_workers()
        for server in stack.servers:
            server.terminate()
            server.wait(20)
        engine.dispose()
        queue.flushdb()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _tokens(engine: Engine, emails: dict[str, str]) -> dict[str, str]:
    from sqlalchemy.orm import Session

    from passport.auth.operations import create_api_token, find_user_by_email

    tokens = {}
    with Session(engine) as session:
        for role, email in emails.items():
            user = find_user_by_email(session, email)
            assert user is not None
            _token, tokens[role] = create_api_token(session, user, "integration tests")
        session.commit()
    return tokens


@pytest.fixture
def worker(stack: Stack) -> Iterator[Stack]:
    """One live worker for the test; any worker left at its end is killed."""
    stack.start_worker()
    yield stack
    stack.kill_workers()
    stack.workers.clear()
