"""Workforce records through the JSON API: imports, the staff list, a person, absences, leavers."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.background.models import Job
from passport.metrics.fingerprint import source_fingerprint
from passport.workforce.models import Absence, Assignment, ImportRun
from passport.workforce.signals import records_changed
from tests.conftest import sign_in
from tests.support.esr_csv import absence, assignment, csv_bytes
from tests.support.factories import UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


@pytest.fixture
def hr(client, demo_trusts):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.HR, trust=demo_trusts[0])
    sign_in(client, user)
    return user


def upload(client, kind: str, data: bytes, filename: str = "extract.csv", **form):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/imports/{kind}",
        data={"file": (io.BytesIO(data), filename), **form},
        content_type="multipart/form-data",
    )


def finished(client, response):  # type: ignore[no-untyped-def]
    """Follow a 202 to its job's end by polling its Location; the job as the API gives it."""
    assert response.status_code == 202, response.json
    location = response.headers["Location"]
    assert location == response.json["links"]["self"] and location.startswith("/api/v1/background-jobs/")
    for _ in range(20):
        job = client.get(location)
        assert job.status_code == 200
        if job.json["status"] in ("succeeded", "failed"):
            return job.json
    raise AssertionError(f"the job at {location} did not finish")


def imported(client, kind: str, data: bytes, **form):  # type: ignore[no-untyped-def]
    """Upload, follow the job to its end, and answer the import run it made."""
    job = finished(client, upload(client, kind, data, **form))
    assert job["status"] == "succeeded", job
    run = client.get(f"/api/v1/imports/{job['result']['run_id']}")
    assert run.status_code == 200
    return run.json


def test_hr_imports_assignments_then_absences_through_jobs_and_reads_the_run_back(client, session, hr):
    response = upload(
        client, "assignments", csv_bytes([assignment(), assignment("20000002-1", "b@rpg.example")])
    )
    assert response.status_code == 202 and response.json["kind"] == "esr_import"
    job = finished(client, response)
    assert job["result"]["added"] == 2 and job["links"]["result"].startswith("/workforce/imports/")
    run = client.get(f"/api/v1/imports/{job['result']['run_id']}").json
    assert (run["status"], run["added"], run["rejected"], run["trust"], run["kind"]) == (
        "imported",
        2,
        0,
        "RPG",
        "assignments",
    )
    assert run["sha256"] and run["finished_at"]
    assert imported(client, "absences", csv_bytes([absence()]))["added"] == 1


def test_an_import_that_changes_records_says_so_for_her_trust(client, session, hr):
    heard: list[list[int]] = []

    def listener(_sender, session, trust_ids):  # type: ignore[no-untyped-def]
        heard.append(list(trust_ids))

    records_changed.connect(listener)
    try:
        assert imported(client, "assignments", csv_bytes([assignment()]))["added"] == 1
        assert imported(client, "absences", csv_bytes([absence(end="")]))["added"] == 1  # still off sick
        before = source_fingerprint(session)
        # ESR now knows when she came back: the same absence, updated in place by a bulk statement.
        changed = imported(client, "absences", csv_bytes([absence(end="09/05/2024")]))
        assert (changed["added"], changed["updated"]) == (0, 1)
        assert source_fingerprint(session) != before
        # The same rows in another file (a blank line more): imported, and nothing changes.
        unchanged = imported(client, "absences", csv_bytes([absence(end="09/05/2024")]) + b"\n")
        assert (unchanged["unchanged"], unchanged["updated"]) == (1, 0)
    finally:
        records_changed.disconnect(listener)
    # One signal per import that changed something (the unchanged one is quiet), naming her trust.
    assert heard == [[hr.trust_id]] * 3


def test_rejected_rows_come_back_with_row_numbers_and_partial_keeps_the_good_ones(client, session, hr):
    data = csv_bytes([assignment(), assignment("20000002-1", "b@rpg.example", **{"Contracted FTE": "abc"})])
    refused = imported(client, "assignments", data)
    assert refused["status"] == "rejected" and refused["added"] == 0
    assert refused["rejected_rows"] == [
        {"row": 3, "column": "Contracted FTE", "message": "abc is not a number"}
    ]
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0
    kept = imported(client, "assignments", data, partial="true")
    assert (kept["status"], kept["added"], kept["rejected"], kept["partial"]) == ("imported", 1, 1, True)


def test_an_unreadable_file_fails_the_job_with_the_reason(client, session, hr):
    job = finished(client, upload(client, "absences", csv_bytes([assignment()])))
    assert job["status"] == "failed" and "extract.csv is missing the columns" in job["error"]
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_the_same_file_twice_is_answered_with_the_same_job(client, session, hr):
    data = csv_bytes([assignment()])
    first, second = upload(client, "assignments", data), upload(client, "assignments", data)
    assert first.status_code == second.status_code == 202
    assert first.headers["Location"] == second.headers["Location"]
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 1


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [("extract.pdf", b"a,b\n", "must be a CSV file"), ("extract.csv", b"", "extract.csv is empty")],
)
def test_an_upload_refused_at_once_names_the_file_and_queues_nothing(
    client, session, hr, filename, data, message
):
    response = upload(client, "assignments", data, filename=filename)
    assert response.status_code == 422 and response.headers["Content-Type"] == "application/problem+json"
    assert response.json["errors"] == [{"field": "file", "message": response.json["detail"]}]
    assert message in response.json["detail"]
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_hr_cannot_import_for_another_trust_and_nothing_is_queued(client, session, hr):
    response = upload(client, "assignments", csv_bytes([assignment()]), trust="RV5")
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_an_upload_without_a_file_names_the_field(client, hr):
    response = client.post(
        "/api/v1/imports/assignments", data={"partial": "true"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "file"


def test_an_oversized_upload_is_a_413_problem(app, client, hr):
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    try:
        response = upload(client, "assignments", b"x" * 5_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert response.status_code == 413
    assert response.json["status"] == 413 and response.headers["Content-Type"] == "application/problem+json"


def test_staff_list_and_person_with_reasons_for_hr_only(client, session, demo_trusts, hr):
    post = AssignmentFactory(staff_member__trust=demo_trusts[0], staff_group="NMR", afc_band="5")
    AssignmentFactory(staff_member__trust=demo_trusts[1])
    AbsenceFactory(assignment=post, first_day=date(2024, 5, 1), last_day=date(2024, 5, 3), reason_code="S11")
    listed = client.get("/api/v1/staff?staff_group=NMR&afc_band=5").json
    assert [item["id"] for item in listed["items"]] == [post.staff_member_id]
    assert listed["items"][0]["assignments"][0]["contracted_fte"] == "1.0000"
    assert client.get("/api/v1/staff?afc_band=10").status_code == 422
    person = client.get(f"/api/v1/staff/{post.staff_member_id}").json
    assert person["absences"][0]["reason_code"] == "S11" and person["bradford"]["spells"] in (0, 1)
    admin = UserFactory(role=Role.ADMIN, trust=None)
    client.post("/sign-out")
    sign_in(client, admin)
    seen = client.get(f"/api/v1/staff/{post.staff_member_id}").json
    assert "reason_code" not in seen["absences"][0] and seen["bradford"] is None


def test_recording_an_absence_its_end_and_a_leaver(client, session, demo_trusts, hr):
    post = AssignmentFactory(
        staff_member__trust=demo_trusts[0],
        start_date=date(2023, 4, 1),
        directorate="Adult mental health",
        ward="Barefoot Lodge",
    )
    url = f"/api/v1/staff/{post.staff_member_id}/absences"
    body = {"assignment_id": post.id, "first_day": "2024-05-01", "category": "SICKNESS", "reason_code": "S10"}
    made = client.post(url, json=body)
    assert made.status_code == 201 and made.json["last_day"] is None and made.json["reason_code"] == "S10"
    clash = client.post(url, json={**body, "first_day": "2024-06-01"})
    assert clash.status_code == 409 and "overlaps" in clash.json["detail"]
    assert client.post(url, json={**body, "reason_code": "S55"}).status_code == 422
    assert client.post(url, json={**body, "reason_code": None}).status_code == 422
    ended = client.patch(f"/api/v1/absences/{made.json['id']}", json={"last_day": "2024-05-04"})
    assert ended.status_code == 200 and ended.json["last_day"] == "2024-05-04"
    left = client.post(
        f"/api/v1/assignments/{post.id}/leaver", json={"end_date": "2025-03-31", "leaving_reason": "FTC_END"}
    )
    assert left.status_code == 200 and left.json["end_date"] == "2025-03-31"
    assert left.json["leaving_reason_label"] == "End of Fixed Term Contract"
    # Where the post sits (the ESR extract's organisation columns), as the drill-down counts it.
    assert (left.json["directorate"], left.json["ward"], left.json["cost_centre"]) == (
        "Adult mental health",
        "Barefoot Lodge",
        None,
    )
    assert session.scalar(select(func.count()).select_from(Absence)) == 1


def test_an_overlap_the_application_missed_is_refused_by_postgresql_with_a_409(
    client, session, demo_trusts, hr, monkeypatch
):
    """Two writers at once both pass the application's overlap check; on PostgreSQL the database's
    exclusion constraint refuses the second. Simulated by hiding the first from the check."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite has one writer at a time")
    post = AssignmentFactory(staff_member__trust=demo_trusts[0], start_date=date(2023, 4, 1))
    AbsenceFactory(assignment=post, first_day=date(2024, 5, 1), last_day=None, reason_code="S11")
    monkeypatch.setattr("passport.workforce.operations._overlapping_sickness", lambda *args: None)
    body = {"assignment_id": post.id, "first_day": "2024-06-01", "category": "SICKNESS", "reason_code": "S10"}
    clash = client.post(f"/api/v1/staff/{post.staff_member_id}/absences", json=body)
    assert clash.status_code == 409, clash.json
    assert clash.json["detail"] == (
        "A sickness absence overlapping this one was saved at the same moment. "
        "Nothing of this request was saved: reload the page and try again."
    )
    assert session.scalar(select(func.count()).select_from(Absence)) == 1
    # Other kinds of absence may overlap a sickness spell.
    leave = {**body, "category": "ANNUAL_LEAVE", "reason_code": None}
    assert client.post(f"/api/v1/staff/{post.staff_member_id}/absences", json=leave).status_code == 201


def test_hr_cannot_touch_another_trusts_records(client, demo_trusts, hr):
    post = AssignmentFactory(staff_member__trust=demo_trusts[1])
    open_absence = AbsenceFactory(assignment=post, last_day=None)
    assert client.get(f"/api/v1/staff/{post.staff_member_id}").status_code == 403
    assert (
        client.patch(f"/api/v1/absences/{open_absence.id}", json={"last_day": "2024-06-01"}).status_code
        == 403
    )
    response = client.post(
        f"/api/v1/assignments/{post.id}/leaver", json={"end_date": "2025-03-31", "leaving_reason": "FTC_END"}
    )
    assert response.status_code == 403
