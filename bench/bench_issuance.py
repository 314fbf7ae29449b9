"""Benchmark: bulk issuance, signed credentials stored per second on SQLite (goal: at least 2,000/s).

Run: .venv/bin/python bench/bench_issuance.py [--credentials N] [--batches B]

A fresh SQLite database in a temporary folder is migrated with Alembic, one trust and 500 staff are
made, then N mandatory-training credentials are validated, signed (eddsa-jcs-2022, two status list
places each) and inserted in batches of N/B, committing after each batch (``operations.issue_many``, what
each chunk of a bulk upload's job calls). Validation is timed separately from signing and storing. Then
a CSV of N rows goes the whole way as a ``bulk_issuance`` job (read, every row checked, issued in chunks
of 500 each committed with its progress), run in this process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--credentials", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-issuance-")
    os.environ["PASSPORT_DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("PASSPORT_ENV", "development")
    os.environ["PASSPORT_QUEUE_URL"] = "immediate"  # the bulk job runs here when its upload commits

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import func, select

    from passport.app import create_app
    from passport.auth.models import Role
    from passport.auth.operations import create_user
    from passport.background.models import Job
    from passport.credentials.bulk import start_training_upload
    from passport.credentials.models import IssuedCredential
    from passport.credentials.operations import issue_many, prepare_credential
    from passport.db import get_session
    from passport.trusts.operations import create_staff_member, create_trust

    root = Path(__file__).resolve().parents[1]
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    command.upgrade(config, "heads")

    app = create_app()
    with app.app_context():
        session = get_session()
        trust = create_trust(session, "RPG", "Oxleas NHS Foundation Trust", actor="bench")
        staff = [
            create_staff_member(
                session,
                trust=trust,
                given_name="Nurse",
                family_name=f"Number {n}",
                email=f"n{n}@bench.example",
            )
            for n in range(500)
        ]
        session.commit()
        subjects = ["CSTF-FIRE", "CSTF-IGDS", "CSTF-HSW", "CSTF-EDHR", "CSTF-PREVENT"]
        per_batch = args.credentials // args.batches
        prepare_seconds, store_rates = 0.0, []
        total_started = time.perf_counter()
        for batch in range(args.batches):
            started = time.perf_counter()
            pending = [
                prepare_credential(
                    subject=staff[(batch * per_batch + i) % len(staff)],
                    credential_type="mandatory-training",
                    subject_data={
                        "subject_code": subjects[i % len(subjects)],
                        "level": 1,
                        "completed_on": f"2026-0{1 + i % 9}-1{i % 10}",
                    },
                )
                for i in range(per_batch)
            ]
            prepared = time.perf_counter()
            issue_many(session, issuer_trust=trust, pending=pending, actor="bench", source="bench")
            session.commit()
            stored = time.perf_counter()
            prepare_seconds += prepared - started
            store_rates.append(per_batch / (stored - prepared))
        total_seconds = time.perf_counter() - total_started
        count = session.scalar(select(func.count()).select_from(IssuedCredential))
        hr = create_user(
            session,
            email="hr@bench.example",
            display_name="Bench HR",
            password="a long bench password 2026",  # noqa: S106
            roles={Role.HR},
            trust_id=trust.id,
            actor="bench",
        )
        rows = "".join(
            f"n{i % len(staff)}@bench.example,{subjects[i % len(subjects)]},1,1{i % 10}/0{1 + i % 9}/2026\n"
            for i in range(args.credentials)
        )
        job_started = time.perf_counter()
        job, _ = start_training_upload(
            session,
            trust=trust,
            actor=hr,
            filename="bench.csv",
            content=("email,subject_code,level,completed_on\n" + rows).encode(),
        )
        session.commit()  # the immediate queue runs the job now
        job_seconds = time.perf_counter() - job_started
        job = session.get(Job, job.id, populate_existing=True)
        assert job.status == "succeeded", job.error
    total = per_batch * args.batches
    assert count == total, (count, total)
    print(
        f"{total:,} mandatory-training credentials in {args.batches} batches of {per_batch:,}, "
        "SQLite, one trust.\n"
    )
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| signed and stored per second (median batch) | {statistics.median(store_rates):,.0f} |")
    print(f"| signed and stored per second (slowest batch) | {min(store_rates):,.0f} |")
    print(f"| end to end incl. validation, per second | {total / total_seconds:,.0f} |")
    print(f"| validation alone, per credential | {prepare_seconds / total * 1e6:,.0f} µs |")
    job_rate = args.credentials / job_seconds
    print(f"| bulk_issuance job of {args.credentials:,} CSV rows, per second | {job_rate:,.0f} |")
    print(f"| goal | 2,000 stored per second: {'met' if min(store_rates) >= 2000 else 'NOT met'} |")


if __name__ == "__main__":
    main()
