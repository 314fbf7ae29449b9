"""What a killed process leaves behind in PostgreSQL: its session's query is cancelled within seconds
(``client_connection_check_interval``, set by ``passport.db.make_engine``), so the locks it held (the
metrics refresh lock) are free for the next worker instead of held until the orphaned query ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

from sqlalchemy import text

from passport.db import make_engine
from tests.support.live_stack import POSTGRES_SERVER, ROOT, wait_until

ORPHAN = textwrap.dedent(
    """
    import sys
    from sqlalchemy import text
    from passport.db import make_engine

    engine = make_engine(sys.argv[1])
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('orphan-test', 0))"))
        print("holding", flush=True)
        connection.execute(text("SELECT pg_sleep(600)"))
    """
)


def _sessions_of(engine, pid: int) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": f"passport {pid}"},
        ).scalar_one()


def test_the_query_of_a_killed_process_is_cancelled_and_its_locks_freed():
    engine = make_engine(POSTGRES_SERVER)
    holder = subprocess.Popen(
        [sys.executable, "-c", ORPHAN, POSTGRES_SERVER],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        assert _sessions_of(engine, holder.pid) == 1  # named by process: the session is found
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        # Without the check, the backend would sleep out its 600 s holding the lock.
        wait_until(lambda: _sessions_of(engine, holder.pid) == 0, 20, "the killed process's session to end")
        with engine.connect() as connection:
            taken = connection.execute(
                text("SELECT pg_try_advisory_xact_lock(hashtextextended('orphan-test', 0))")
            ).scalar_one()
            connection.rollback()
        assert taken
    finally:
        if holder.poll() is None:
            holder.kill()
        engine.dispose()
