"""The service as it is deployed, started for tests and benchmarks: gunicorn instances and background
workers as separate processes on a PostgreSQL database and a Redis database of their own.

Used by ``tests/integration`` (workers killed and restarted under jobs) and ``bench/bench_load.py``.
Everything listens on 127.0.0.1 only.
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_SERVER = os.environ.get(
    "PASSPORT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("PASSPORT_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
DEMO_PASSWORD = "demo-passport-2026"


def free_port() -> int:
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
    folder: Path
    web: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    servers: list[subprocess.Popen] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)

    def start_worker(self) -> subprocess.Popen:
        log = (self.folder / "workers.log").open("ab")
        worker = subprocess.Popen(
            # Three jobs at once: a test's job need not wait behind the metrics refreshes earlier imports
            # queued (one counting, one waiting for its lock; they take minutes on 200,000 absences).
            [BIN / "flask", "--app", "wsgi", "passport", "worker", "--threads", "3", "--nice", "10"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        return worker

    def kill_workers(self) -> None:
        """SIGKILL every worker: no chance to finish or tidy up, as when a machine dies."""
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
        self.workers.clear()

    def start_web(self, instances: int) -> None:
        for _ in range(instances):
            port = free_port()
            log = (self.folder / f"web-{port}.log").open("ab")
            server = subprocess.Popen(
                [BIN / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env={**self.env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.servers.append(server)
            self.web.append(f"http://127.0.0.1:{port}")
        for base in self.web:
            wait_until(lambda base=base: _healthy(base), 60, f"{base} to answer /healthz")

    def api(
        self, instance: int, method: str, path: str, user: str = "hr", **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[user]}", "Accept": "application/json"}
        return requests.request(method, self.web[instance] + path, headers=headers, timeout=30, **kwargs)

    def follow(
        self, instance: int, location: str, until: Callable[[dict], bool], timeout: float, user: str = "hr"
    ) -> dict:
        """Poll a job at ``location`` through web instance ``instance`` (as ``user``) until ``until(job)``."""

        def poll() -> dict | None:
            job = self.api(instance, "GET", location, user=user).json()
            return job if until(job) else None

        return wait_until(poll, timeout, f"job at {location} to reach the expected state", every=0.3)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def flask(self, *args: str) -> str:
        done = subprocess.run(
            [BIN / "flask", "--app", "wsgi", "passport", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def add_tokens(self, emails: dict[str, str]) -> None:
        """An API token for each of these accounts, under the given short names."""
        from sqlalchemy.orm import Session

        from passport.auth.operations import create_api_token, find_user_by_email

        with Session(self.engine) as session:
            for name, email in emails.items():
                user = find_user_by_email(session, email)
                assert user is not None, email
                _token, self.tokens[name] = create_api_token(session, user, "live stack")
            session.commit()


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def live_stack(folder: Path, **settings: str) -> Iterator[Stack]:
    """A migrated PostgreSQL database and a flushed Redis database of their own, and the settings to
    serve them; web instances and workers are started by the caller. Everything is stopped and dropped
    at the end."""
    import redis

    name = f"passport_live_{uuid.uuid4().hex[:10]}"
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
        "SECRET_KEY": "live-stack-" + "x" * 40,
        "PASSPORT_KEY_ENCRYPTION_KEYS": "cw_0x689RpI-jtRR7oE8h_eQsKImvJ8GSmPqfwZSCLw=",
        "PASSPORT_DEMO_PASSWORD": DEMO_PASSWORD,
        "PASSPORT_NEW_USER_PASSWORD": DEMO_PASSWORD,
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": str(folder / "access.log"),
        **settings,
    }
    env.pop("PASSPORT_TEST_DATABASE_URL", None)
    engine = create_engine(url)
    stack = Stack(env=env, engine=engine, folder=folder)
    try:
        subprocess.run(
            [BIN / "alembic", "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        yield stack
    finally:
        stack.kill_workers()
        for server in stack.servers:
            server.terminate()
        for server in stack.servers:
            server.wait(20)
        engine.dispose()
        queue.flushdb()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
