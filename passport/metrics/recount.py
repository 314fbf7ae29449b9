"""A full recount: both roll-ups counted again from every record (after a migration, or
``flask --app wsgi passport refresh-dashboards --all``), then kept in the caller's transaction.

The retention figures are counted in a second thread while the database reads the sickness absences and
numpy splits them into months: numpy and the database drivers do much of their work without Python's
global lock, so on two cores the retention count costs the recount little (bench/bench_dashboard.py).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session

from passport.metrics.cell_columns import CellColumns
from passport.metrics.disclosure import PeopleInPost, keep_people, placed_posts_for_people
from passport.metrics.models import RetentionRollup, RollupState, SicknessRollup
from passport.metrics.operations import scope_for
from passport.metrics.queries import Period
from passport.metrics.rollup_counts import count_retention_rows
from passport.metrics.rollup_months import months_before_the_absences, months_of_absences
from passport.metrics.rollups import (
    RETENTION_ROLLUP,
    SICKNESS_ROLLUP,
    CountedRollup,
    keep_rollup,
    retention_cells,
    retention_posts,
    sickness_absences,
    sickness_columns,
)
from passport.metrics.sickness_counts import PostColumns


def count_rollups(
    session: Session, fingerprint: str | None = None, people_months: Period | None = None
) -> list[CountedRollup]:
    """Both roll-ups counted from the records. Reads only. With the records' fingerprint the sickness
    absences read are kept in the session, for the dashboards counted next. The thread counting retention
    has arrays only, never the session. With ``people_months`` and the fingerprint, it also builds the
    grid of people in post over those months from the same posts (``PeopleInPost``), which the dashboards
    counted next take from the session."""
    started = time.perf_counter()
    # The months as the latest first day tells them, then as the absences read tell them: the same, unless
    # a sickness absence ends in a later month, when retention is counted again for them.
    covered = months_before_the_absences(session)
    scope = scope_for(session, None)
    # Her own posts with their places: the grid of people in post a refresh builds next takes them.
    posts_read = placed_posts_for_people(session, scope, fingerprint)
    trust_ids = list(scope.trust_ids)

    def count_retention(covered: Period) -> tuple[CellColumns, float]:
        # The posts as retention takes them are made here too: while the database reads the absences.
        posts = retention_posts(posts_read, post_columns.result())
        rows = count_retention_rows(posts, trust_ids, covered) if posts is not None else []
        return retention_cells(rows), time.perf_counter() - started

    def beside_the_absences() -> tuple[tuple[CellColumns, float], PeopleInPost | None]:
        counted = count_retention(covered)
        if people_months is None or fingerprint is None:
            return counted, None
        return counted, PeopleInPost(
            posts_read, trust_ids, people_months.first_month, people_months.last_month
        )

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="retention-count") as pool:
        # The posts as the sickness count takes them first: ready well before the absences are read.
        post_columns = pool.submit(PostColumns.of, posts_read)
        retention = pool.submit(beside_the_absences)
        absences = sickness_absences(session, fingerprint)
        read_covered = months_of_absences(absences)
        sickness = sickness_columns(
            session, read_covered, posts=posts_read, absences=absences, post_columns=post_columns.result()
        )
        sickness_seconds = time.perf_counter() - started
        (retention_counted, retention_seconds), people = retention.result()
    if people is not None and fingerprint is not None:
        keep_people(session, scope, fingerprint, people)
    if read_covered != covered:
        covered = read_covered
        retention_counted, retention_seconds = count_retention(covered)
    return [
        CountedRollup(SICKNESS_ROLLUP, SicknessRollup, covered, sickness, sickness_seconds),
        CountedRollup(RETENTION_ROLLUP, RetentionRollup, covered, retention_counted, retention_seconds),
    ]


def rebuild_rollups(
    session: Session, fingerprint: str, people_months: Period | None = None
) -> list[RollupState]:
    """Count both roll-ups again from the records and keep them, in the caller's transaction (and the
    grid of people in post over ``people_months``, see ``count_rollups``)."""
    counted = count_rollups(session, fingerprint, people_months)
    return [keep_rollup(session, rollup, fingerprint) for rollup in counted]
