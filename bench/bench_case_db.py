"""Benchmark CASE import into and export out of the database: a 10,000-item, 20,000-association package.

Run with ``python bench/bench_case_db.py [items] [database-url]``. A fresh SQLite database is migrated in a
temporary folder unless a URL is given. Prints items a second for import (bytes in, committed) and export
(stored rows out to CASE JSON bytes); the goal is at least 5,000 a second each way on SQLite.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from any directory
sys.path.insert(0, str(ROOT / "bench"))

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from bench_case import generate_package  # noqa: E402
from sqlalchemy import delete  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import passport.models  # noqa: E402,F401  (every model, so relationships resolve)
from competencies.frameworks.case_export import export_case_bytes  # noqa: E402
from competencies.frameworks.case_import import import_case_package  # noqa: E402
from competencies.frameworks.case_package import CasePackage, parse_case_package  # noqa: E402
from competencies.frameworks.models import (  # noqa: E402
    Framework,
    FrameworkAssociation,
    FrameworkItem,
    FrameworkVersion,
    ProficiencyLevel,
    ProficiencyScale,
)
from passport.audit.models import AuditEvent  # noqa: E402
from passport.db import make_engine  # noqa: E402

REPEATS = 3


def _migrate(url: str) -> None:
    engine = make_engine(url)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    engine.dispose()


def _clear(session: Session) -> None:
    for model in (FrameworkAssociation, FrameworkItem, FrameworkVersion, ProficiencyLevel, ProficiencyScale):
        session.execute(delete(model))
    session.execute(delete(Framework))
    session.execute(delete(AuditEvent).where(AuditEvent.action == "framework.imported"))
    session.commit()


def _same_framework(exported: CasePackage, sent: CasePackage) -> bool:
    """The same items and associations (the export is CASE 1.1: a 1.0 key such as the items'
    CFDocumentURI is dropped, so whole packages are not equal)."""

    def content(package: CasePackage) -> tuple[object, ...]:
        return (
            [(i.identifier, i.uri, i.full_statement, i.human_coding_scheme) for i in package.items],
            [
                (
                    a.identifier,
                    a.association_type,
                    a.origin.identifier,
                    a.destination.identifier,
                    a.sequence_number,
                )
                for a in package.associations
            ],
        )

    return content(exported) == content(sent)


def run(url: str, item_count: int) -> None:
    engine = make_engine(url)
    raw = json.dumps(generate_package(item_count)).encode("utf-8")
    imports, exports, import_cpu, export_cpu = [], [], [], []
    exported = b""
    for _ in range(REPEATS):
        with Session(engine) as session:
            _clear(session)
            started, cpu = time.perf_counter(), time.process_time()
            version = import_case_package(session, raw, actor="bench")
            session.commit()
            imports.append(time.perf_counter() - started)
            import_cpu.append(time.process_time() - cpu)
            started, cpu = time.perf_counter(), time.process_time()
            exported = export_case_bytes(session, version)
            exports.append(time.perf_counter() - started)
            export_cpu.append(time.process_time() - cpu)
    with Session(engine) as session:
        _clear(session)
    assert _same_framework(parse_case_package(exported), parse_case_package(raw)), "export did not round-trip"
    engine.dispose()
    package = parse_case_package(raw)
    print(
        f"package: {len(package.items):,} items, {len(package.associations):,} associations, "
        f"{len(raw):,} bytes; database: {url.split(':', 1)[0]}; best of {REPEATS}"
    )
    # CPU time as well as wall time: on a busy machine the wall clock also counts other processes' turns.
    print(f"{'direction':10} {'wall s':>7} {'items/s (wall)':>15} {'cpu s':>6} {'items/s (cpu)':>14}")
    for label, wall, cpu in (
        ("import", min(imports), min(import_cpu)),
        ("export", min(exports), min(export_cpu)),
    ):
        print(f"{label:10} {wall:7.2f} {item_count / wall:15,.0f} {cpu:6.2f} {item_count / cpu:14,.0f}")


def main() -> None:
    item_count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    if len(sys.argv) > 2:
        run(sys.argv[2], item_count)
        return
    with tempfile.TemporaryDirectory(prefix="bench-case-db-") as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        _migrate(url)
        run(url, item_count)


if __name__ == "__main__":
    main()
