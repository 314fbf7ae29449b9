"""Benchmark: POST /api/v1/verify of a 20-credential presentation under gunicorn on a local port.

Run: .venv/bin/python bench/bench_verify_api.py [--requests N] [--clients C] [--workers W]

A temporary SQLite database is migrated and given the demo partnership; 20 credentials from the three
trusts are issued to the demo nurse and exported as one presentation. gunicorn serves the app on a
free loopback port; C client threads send N requests in total (a bounded loop, nothing else is
contacted) and the script reports requests per second and p50/p99 latency. Every answer must be a
200 whose report says verified.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare(env: dict[str, str]) -> bytes:
    subprocess.run([BIN / "alembic", "upgrade", "heads"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [BIN / "flask", "--app", "wsgi", "passport", "seed-demo"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    script = """
import json, sys
from passport.app import create_app
from passport.db import get_session
from passport.credentials.operations import issue_credential, find_staff_by_email
from passport.trusts.operations import find_trust
from passport.passports.operations import current_presentation
app = create_app()
with app.app_context():
    s = get_session()
    nurse = find_staff_by_email(s, "nurse@rpg.example")
    codes = ["CSTF-EDHR", "CSTF-HSW", "CSTF-CONFLICT", "CSTF-FIRE", "CSTF-PREVENT", "CSTF-IGDS"]
    current = current_presentation(s, nurse)["verifiableCredential"]
    n = 0
    while len(current) + n < 20:
        trust = find_trust(s, ["RPG", "RV5", "RQY"][n % 3])
        issue_credential(s, issuer_trust=trust, subject=nurse, credential_type="mandatory-training",
                         subject_data={"subject_code": codes[n % len(codes)], "level": 1,
                                       "completed_on": "2026-06-01"},
                         actor="bench")
        n += 1
    s.commit()
    body = current_presentation(s, nurse)
    body["verifiableCredential"] = body["verifiableCredential"][:20]
    sys.stdout.write(json.dumps(body))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-verify-api-")
    env = {
        **os.environ,
        "PASSPORT_DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
        "PASSPORT_ENV": "development",
        "PASSPORT_VERIFY_RATE_LIMIT": "1000000 per minute",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PASSPORT_TEST_DATABASE_URL", None)
    body = _prepare(env)
    assert len(json.loads(body)["verifiableCredential"]) == 20
    port = _free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()
        per_client = args.requests // args.clients

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(per_client):
                started = time.perf_counter()
                connection.request(
                    "POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/json"}
                )
                response = connection.getresponse()
                payload = response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if response.status != 200 or not json.loads(payload)["verified"]:
                        failures.append(f"{response.status}: {payload[:200]!r}")
            connection.close()

        # Warm every worker (imports, first database connection) before measuring.
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(args.workers * 3):
            warm.request("POST", "/api/v1/verify", body=body, headers={"Content-Type": "application/json"})
            warm.getresponse().read()
        warm.close()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not failures, failures[:3]
    latencies.sort()
    total = len(latencies)
    print(
        f"POST /api/v1/verify, a 20-credential presentation ({len(body):,} bytes) from 3 issuers, "
        f"gunicorn {args.workers} sync workers, {args.clients} client threads, {total} requests, SQLite.\n"
    )
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| requests per second | {total / elapsed:,.1f} |")
    print(f"| credentials verified per second | {20 * total / elapsed:,.0f} |")
    print(f"| p50 latency | {statistics.median(latencies) * 1000:,.1f} ms |")
    print(f"| p99 latency | {latencies[min(total - 1, int(total * 0.99))] * 1000:,.1f} ms |")


if __name__ == "__main__":
    main()
