"""Every SQLite connection the service opens is set up alike (passport.db.make_engine): write-ahead log,
foreign keys enforced, a wait for the write lock, the checkpoint interval and page cache that imports
were measured with (bench/bench_import.py)."""

from __future__ import annotations

from pathlib import Path

from passport.db import SQLITE_CACHE_KIB, make_engine


def test_each_new_sqlite_connection_gets_the_services_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/settings.sqlite3")
    try:
        for _ in range(2):  # a second connection too, not only the first
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                settings = {
                    name: cursor.execute(f"PRAGMA {name}").fetchone()[0]
                    for name in (
                        "journal_mode",
                        "foreign_keys",
                        "busy_timeout",
                        "wal_autocheckpoint",
                        "cache_size",
                    )
                }
            finally:
                raw.close()
            engine.pool.dispose()  # the next raw connection is a new one
            assert settings == {
                "journal_mode": "wal",
                "foreign_keys": 1,
                "busy_timeout": 5000,
                "wal_autocheckpoint": 20000,
                "cache_size": -SQLITE_CACHE_KIB,  # negative: KiB, not pages
            }
            assert SQLITE_CACHE_KIB == 64 * 1024
    finally:
        engine.dispose()
