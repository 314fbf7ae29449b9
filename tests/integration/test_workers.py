"""Jobs across processes: two web instances, real workers on Redis and PostgreSQL, workers killed."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

from sqlalchemy import text

from tests.integration.conftest import STALE_SECONDS
from tests.support.esr_csv import ABSENCE_HEADER, ASSIGNMENT_HEADER, absence, assignment, csv_bytes
from tests.support.live_stack import Stack, wait_until

FINISHED = ("succeeded", "failed")


def _assignments_file(count: int, first_number: int) -> bytes:
    rows = [
        assignment(f"{first_number + n}-1", f"person{first_number + n}@rpg.example", **{"Last Name": f"P{n}"})
        for n in range(count)
    ]
    return csv_bytes(rows, ASSIGNMENT_HEADER)


def _absences_file(assignments: int, first_number: int, per_assignment: int) -> bytes:
    """``per_assignment`` absences for each assignment, one after another with gaps: none overlap."""
    rows = []
    for n in range(assignments):
        day = date(2023, 6, 1) + timedelta(days=n % 7)
        for _ in range(per_assignment):
            last = day + timedelta(days=1 + n % 3)
            rows.append(absence(f"{first_number + n}-1", day.strftime("%d/%m/%Y"), last.strftime("%d/%m/%Y")))
            day = last + timedelta(days=5)
    return csv_bytes(rows, ABSENCE_HEADER)


def _upload(stack: Stack, instance: int, kind: str, name: str, content: bytes):  # type: ignore[no-untyped-def]
    response = stack.api(
        instance, "POST", f"/api/v1/imports/{kind}", files={"file": (name, content, "text/csv")}
    )
    assert response.status_code == 202, response.text
    return response


def test_a_job_started_on_one_instance_is_followed_to_its_end_on_the_other(worker: Stack):
    started = time.monotonic()
    response = _upload(worker, 0, "assignments", "small.csv", _assignments_file(300, 30_000_000))
    assert time.monotonic() - started < 5
    location = response.headers["Location"]
    job = worker.follow(1, location, lambda job: job["status"] in FINISHED, timeout=300)
    assert job["status"] == "succeeded", job
    assert worker.scalar("SELECT count(*) FROM assignment WHERE assignment_number LIKE '3000%'") == 300


def test_a_worker_killed_half_way_through_bulk_issuance_issues_each_row_once(stack: Stack):
    """Early in the group, while the database is small: the metrics refreshes the imports queue are
    quick, and the issuance does not share the machine's two cores with a long one."""
    people = 4_000
    stack.start_worker()
    setup = _upload(stack, 0, "assignments", "trained.csv", _assignments_file(people, 50_000_000))
    assert (
        stack.follow(0, setup.headers["Location"], lambda j: j["status"] in FINISHED, 240)["status"]
        == "succeeded"
    )
    lines = ["email,subject_code,level,completed_on"]
    for n in range(people):
        for subject in ("CSTF-FIRE", "CSTF-IGDS"):
            lines.append(f"person{50_000_000 + n}@rpg.example,{subject},1,01/03/2026")
    content = ("\n".join(lines) + "\n").encode()
    response = stack.api(
        1, "POST", "/api/v1/credentials/bulk-training", files={"file": ("training.csv", content, "text/csv")}
    )
    assert response.status_code == 202, response.text
    location = response.headers["Location"]
    total = 2 * people
    # Killed once it is issuing (past the check of every row), with some chunks committed.
    stack.follow(
        0,
        location,
        lambda job: job["stage"] == "Issuing credentials" and job["done"] >= total // 4,
        timeout=300,
    )
    stack.kill_workers()
    killed_at = stack.api(0, "GET", location).json()
    assert killed_at["status"] == "running" and killed_at["done"] < total, killed_at

    time.sleep(STALE_SECONDS + 1)
    stack.start_worker()
    job = stack.follow(1, location, lambda job: job["status"] in FINISHED, timeout=600)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    print(
        f"\nbulk issuance killed at {killed_at['done']:,} of {total:,} credentials; finished by a new worker"
    )
    issued = stack.scalar("SELECT count(*) FROM issued_credential WHERE bulk_upload_id IS NOT NULL")
    per_person_and_course = stack.scalar(
        "SELECT count(*) FROM (SELECT DISTINCT staff_member_id, title FROM issued_credential "
        "WHERE bulk_upload_id IS NOT NULL) d"
    )
    status_places = stack.scalar(
        "SELECT count(*) FROM (SELECT DISTINCT revocation_list_id, revocation_index FROM issued_credential) d"
    )
    assert issued == total  # nothing lost
    assert per_person_and_course == total  # nothing issued twice
    assert status_places == stack.scalar("SELECT count(*) FROM issued_credential")  # no place given twice
    stack.kill_workers()


def test_two_uploads_of_the_same_file_at_once_make_one_import(worker: Stack):
    content = _assignments_file(200, 31_000_000)
    answers: list = [None, None]
    barrier = threading.Barrier(2)

    def upload(instance: int) -> None:
        barrier.wait()
        answers[instance] = _upload(worker, instance, "assignments", "same.csv", content)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    locations = {answer.headers["Location"] for answer in answers}
    assert len(locations) == 1
    job = worker.follow(0, locations.pop(), lambda job: job["status"] in FINISHED, timeout=300)
    assert job["status"] == "succeeded", job
    assert worker.scalar("SELECT count(*) FROM import_run WHERE filename = 'same.csv'") == 1
    assert worker.scalar("SELECT count(*) FROM assignment WHERE assignment_number LIKE '3100%'") == 200


def test_a_worker_killed_half_way_through_an_absence_import_leaves_it_imported_once(stack: Stack):
    """SIGKILL half way through 200,000 absences; a new worker finishes the import, each row once."""
    assignments, per_assignment = 20_000, 10
    stack.start_worker()
    setup = _upload(stack, 0, "assignments", "staff.csv", _assignments_file(assignments, 40_000_000))
    job = stack.follow(0, setup.headers["Location"], lambda job: job["status"] in FINISHED, timeout=600)
    assert job["status"] == "succeeded", job

    response = _upload(
        stack, 1, "absences", "absences.csv", _absences_file(assignments, 40_000_000, per_assignment)
    )
    location = response.headers["Location"]
    total = assignments * per_assignment
    half_way = stack.follow(
        0, location, lambda job: job["status"] == "running" and job["done"] >= total // 4, timeout=300
    )
    stack.kill_workers()
    killed_at = stack.api(0, "GET", location).json()
    assert killed_at["status"] == "running" and killed_at["done"] < total, killed_at
    assert half_way["attempts"] == 1

    time.sleep(STALE_SECONDS + 1)  # the dead worker's heartbeat is stale: the next worker's sweep sees it
    started_again = time.monotonic()
    stack.start_worker()
    job = stack.follow(1, location, lambda job: job["status"] in FINISHED, timeout=600)
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    print(f"\nafter the kill, a new worker finished the import in {time.monotonic() - started_again:.1f} s")
    rows = stack.scalar(
        "SELECT count(*) FROM absence a JOIN assignment s ON s.id = a.assignment_id "
        "WHERE s.assignment_number LIKE '400%'"
    )
    distinct = stack.scalar(
        "SELECT count(*) FROM (SELECT DISTINCT assignment_id, first_day, category FROM absence) d"
    )
    assert rows == total
    assert distinct == stack.scalar("SELECT count(*) FROM absence")
    run = stack.api(
        0, "GET", job["links"]["result"].replace("/workforce/imports/", "/api/v1/imports/")
    ).json()
    assert (run["added"], run["rejected"]) == (total, 0), run
    stack.kill_workers()


def test_jobs_left_queued_while_no_worker_runs_are_done_when_one_starts(stack: Stack):
    response = _upload(stack, 0, "assignments", "queued.csv", _assignments_file(50, 32_000_000))
    time.sleep(1)
    job = stack.api(1, "GET", response.headers["Location"]).json()
    assert job["status"] == "queued"
    stack.start_worker()
    job = stack.follow(1, response.headers["Location"], lambda job: job["status"] in FINISHED, timeout=300)
    assert job["status"] == "succeeded"
    wait_until(
        lambda: stack.scalar("SELECT count(*) FROM assignment WHERE assignment_number LIKE '3200%'") == 50,
        10,
        "rows",
    )
    stack.kill_workers()


def _rollup_rows(stack: Stack) -> tuple[list, list]:
    with stack.engine.connect() as connection:
        sickness = connection.exec_driver_sql("SELECT * FROM sickness_rollup").fetchall()
        retention = connection.exec_driver_sql("SELECT * FROM retention_rollup").fetchall()
    without_ids = [sorted(tuple(map(str, row[1:])) for row in rows) for rows in (sickness, retention)]
    return without_ids[0], without_ids[1]


def test_a_worker_killed_during_a_roll_up_refresh_leaves_figures_equal_to_a_clean_refresh(fresh_stack: Stack):
    """On a database of its own, small enough that a refresh takes seconds, not minutes."""
    stack = fresh_stack
    stack.start_worker()
    for kind, name, content in (
        ("assignments", "staff.csv", _assignments_file(1_500, 70_000_000)),
        ("absences", "absences.csv", _absences_file(1_500, 70_000_000, 10)),
    ):
        answer = _upload(stack, 0, kind, name, content)
        assert stack.follow(0, answer.headers["Location"], lambda j: j["status"] in FINISHED, 300)[
            "status"
        ] == ("succeeded")
    # The refreshes the imports queued finish first, so the one asked for below starts from rest.
    wait_until(
        lambda: (
            stack.scalar("SELECT count(*) FROM background_job WHERE status IN ('queued', 'running')") == 0
        ),
        300,
        "the imports' refreshes to finish",
    )
    # A full recount writes only the cells that differ from those kept, and the imports kept them
    # current: every retention cell is put wrong here, so the recount must replace them all.
    with stack.engine.begin() as connection:
        connection.execute(text("UPDATE retention_rollup SET leavers = leavers + 1"))
    # A refresh takes well under a second here, too quick to kill by watching it: a lock the test holds
    # on the retention roll-up stops it half way, after it has counted both roll-ups (the sickness cells
    # found as kept), waiting to replace the retention rows. It is killed there.
    with stack.engine.connect() as blocker:
        blocker.execute(text("LOCK TABLE retention_rollup IN SHARE MODE"))  # reads pass, writes wait
        # --all: the imports kept the roll-ups current, so only a full recount rewrites them.
        number = int(stack.flask("refresh-dashboards", "--queue", "--all").split()[2])
        location = f"/api/v1/background-jobs/{number}"
        stack.follow(0, location, lambda job: job["status"] == "running", timeout=60, user="admin")
        wait_until(
            lambda: stack.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE 'DELETE FROM retention_rollup%'"
            ),
            60,
            "the refresh to reach the retention roll-up",
        )
        stack.kill_workers()
        blocker.rollback()
    assert stack.api(0, "GET", location, user="admin").json()["status"] == "running"

    time.sleep(STALE_SECONDS + 1)
    stack.start_worker()
    job = stack.follow(1, location, lambda job: job["status"] in FINISHED, timeout=300, user="admin")
    assert job["status"] == "succeeded", job
    assert job["attempts"] == 2
    after_recovery = _rollup_rows(stack)
    stack.kill_workers()

    stack.flask("refresh-dashboards", "--all")  # a clean refresh from every record, in this process
    assert _rollup_rows(stack) == after_recovery
    assert after_recovery[0] and after_recovery[1]
