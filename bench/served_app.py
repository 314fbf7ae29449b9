"""The app served as deployed, for the benchmarks that load it over HTTP (bench_dashboard_first_load.py,
bench_verify_api.py): a database migrated and given the demo partnership, then gunicorn with
gunicorn.conf.py on a free loopback port. Not a benchmark itself: run_all.py runs bench_*.py only."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def migrate_and_seed_demo(env: dict[str, str]) -> None:
    """Migrate the database ``env`` names and give it the demo partnership, as ``make run`` does."""
    for command in (
        [BIN / "alembic", "upgrade", "heads"],
        [BIN / "flask", "--app", "wsgi", "passport", "seed-demo"],
    ):
        subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


def serve(env: dict[str, str], app: str = "wsgi:app") -> tuple[subprocess.Popen, int]:
    """gunicorn serving ``app`` under ``env``, once it answers /healthz: (the server, its port). The
    caller terminates it."""
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):  # noqa: S310 (ours)
                return server, port
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the app did not start")
