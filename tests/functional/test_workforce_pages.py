"""HR pages: the upload and its results, the staff list, a person's page and the forms."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.background.models import Job
from passport.workforce.models import Absence, Assignment, ImportRun
from passport.workforce.uploads import start_import_job
from tests.conftest import sign_in
from tests.support.esr_csv import assignment, csv_bytes
from tests.support.factories import UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


@pytest.fixture
def hr(client, demo_trusts):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.HR, trust=demo_trusts[0])
    sign_in(client, user)
    return user


def post_file(client, data: bytes, **form):  # type: ignore[no-untyped-def]
    return client.post(
        "/workforce/imports",
        data={"kind": "assignments", "file": (io.BytesIO(data), "staff.csv"), **form},
        content_type="multipart/form-data",
    )


def job_id_of(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.data[:500]
    location = response.headers["Location"]
    assert location.startswith("/background-jobs/")
    return int(location.rsplit("/", 1)[1])


def test_upload_page_queues_a_job_whose_page_links_to_the_report(client, session, hr):
    page = client.get("/workforce/imports")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.data
    assert b"js/workforce.js" not in page.data and b"data-progress-url" not in page.data
    data = csv_bytes([assignment(), assignment("20000002-1", "b@rpg.example", **{"Org Code": "ZZZ"})])
    response = post_file(client, data)
    job = session.get(Job, job_id_of(response))
    # The job ran when the upload's transaction committed (tests run jobs at once): its page says so.
    job_page = client.get(response.headers["Location"]).data.decode()
    assert "Finished" in job_page and 'id="job-result-link"' in job_page
    assert job.status == "succeeded" and job.trust_id == hr.trust_id and job.created_by_id == hr.id
    result = client.get(job.result_url)
    html = result.data.decode()
    assert "Nothing was imported" in html and "ZZZ is not a trust of the partnership" in html
    assert '<th scope="col">Row</th>' in html and ">3</td>" in html
    kept = client.get(session.get(Job, job_id_of(post_file(client, data, partial="y"))).result_url)
    assert "were imported, except the rejected rows below" in kept.data.decode()
    runs = list(session.scalars(select(ImportRun).order_by(ImportRun.id)))
    assert [(r.status, r.added, r.rejected) for r in runs] == [("rejected", 0, 1), ("imported", 1, 1)]
    listed = client.get("/workforce/imports").data.decode()
    assert "Recent imports" in listed and "staff.csv" in listed and "Imports still running" not in listed


def test_the_same_file_uploaded_twice_is_one_job_and_one_import(client, session, hr):
    data = csv_bytes([assignment(), assignment("20000002-1", "b@rpg.example")])
    first = job_id_of(post_file(client, data))
    second = job_id_of(post_file(client, data))
    assert first == second
    assert session.scalar(select(func.count()).select_from(Job)) == 1
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 1
    assert session.scalar(select(func.count()).select_from(Assignment)) == 2


def test_an_unreadable_file_fails_its_job_with_the_reason_and_writes_nothing(client, session, hr):
    response = post_file(client, b"Assignment Number,Employee Email\n1,a@b.example\n")
    job = session.get(Job, job_id_of(response))
    assert job.status == "failed" and "staff.csv is missing the columns" in job.error
    page = client.get(response.headers["Location"]).data.decode()
    assert "This job did not finish" in page and "is missing the columns" in page
    assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
    assert session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_unfinished_imports_of_her_trust_are_listed_with_links(client, session, demo_trusts, hr):
    mine = start_import_job(
        session,
        kind="assignments",
        filename="waiting.csv",
        content=csv_bytes([assignment()]),
        only_trust_id=demo_trusts[0].id,
        run_trust_id=demo_trusts[0].id,
        partial=False,
        max_bytes=1_000_000,
        created_by_id=hr.id,
        queue=False,
    )
    start_import_job(
        session,
        kind="assignments",
        filename="theirs.csv",
        content=csv_bytes([assignment(**{"Org Code": "RV5"})]),
        only_trust_id=demo_trusts[1].id,
        run_trust_id=demo_trusts[1].id,
        partial=False,
        max_bytes=1_000_000,
        created_by_id=None,
        queue=False,
    )
    session.flush()
    listed = client.get("/workforce/imports").data.decode()
    assert "Imports still running" in listed and f'href="/background-jobs/{mine.id}"' in listed
    assert "waiting.csv" in listed and "theirs.csv" not in listed


@pytest.mark.parametrize(
    ("filename", "data", "status", "message"),
    [
        ("staff.txt", b"a,b\n", 422, "must be a CSV file (.csv) or an Excel workbook (.xlsx)"),
        ("staff.csv", b"", 422, "staff.csv is empty"),
    ],
)
def test_an_upload_refused_at_once_queues_nothing(client, session, hr, filename, data, status, message):
    response = client.post(
        "/workforce/imports",
        data={"kind": "assignments", "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == status and message in response.data.decode()
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_upload_page_errors(app, client, session, hr):
    missing = client.post(
        "/workforce/imports", data={"kind": "assignments"}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and b"Choose the file to import" in missing.data
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 2_000
    try:
        too_big = post_file(client, b"x" * 5_000)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = limit
    assert too_big.status_code == 413 and b"too large" in too_big.data
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_director_cannot_upload_and_nothing_is_queued(client, session, demo_trusts):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    assert post_file(client, csv_bytes([assignment()])).status_code == 403
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_staff_list_filters_and_person_page(client, demo_trusts, hr):
    post = AssignmentFactory(
        staff_member__trust=demo_trusts[0],
        staff_member__family_name="Okafor",
        afc_band="6",
        staff_group="NMR",
    )
    AbsenceFactory(assignment=post, first_day=date(2024, 5, 1), last_day=None, reason_code="S11")
    AssignmentFactory(staff_member__trust=demo_trusts[0], staff_member__family_name="Zed", afc_band="3")
    listed = client.get("/workforce/staff?afc_band=6").data.decode()
    assert "Okafor" in listed and "Zed" not in listed and "1 person" in listed
    assert (
        client.get("/workforce/staff?in_post_on-day=31&in_post_on-month=2&in_post_on-year=2025").status_code
        == 422
    )
    person = client.get(f"/workforce/staff/{post.staff_member_id}").data.decode()
    assert "S11 Back Problems" in person and "Bradford factor" in person and "End absence" in person
    assert "Record a leaver" in person


def date_form(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def test_record_an_absence_with_nhs_date_errors(client, session, demo_trusts, hr):
    post = AssignmentFactory(staff_member__trust=demo_trusts[0], start_date=date(2023, 4, 1))
    url = f"/workforce/assignments/{post.id}/absences/new"
    assert client.get(url).status_code == 200
    bad = client.post(
        url, data={"category": "SICKNESS", "reason_code": "S10", **date_form("first_day", "31", "2", "2025")}
    )
    assert bad.status_code == 422
    html = bad.data.decode()
    assert (
        "There is a problem" in html
        and "First day must be a real date" in html
        and 'href="#first_day-day"' in html
    )
    no_reason = client.post(url, data={"category": "SICKNESS", **date_form("first_day", "1", "5", "2024")})
    assert no_reason.status_code == 422 and b"Choose the sickness reason" in no_reason.data
    made = client.post(
        url, data={"category": "SICKNESS", "reason_code": "S10", **date_form("first_day", "1", "5", "2024")}
    )
    assert made.status_code == 302
    clash = client.post(
        url, data={"category": "SICKNESS", "reason_code": "S12", **date_form("first_day", "2", "5", "2024")}
    )
    assert clash.status_code == 422 and b"overlaps the sickness absence" in clash.data
    stored = session.scalar(select(Absence))
    end_url = f"/workforce/absences/{stored.id}/end"
    assert client.get(end_url).status_code == 200
    assert client.post(end_url, data=date_form("last_day", "30", "4", "2024")).status_code == 422
    assert client.post(end_url, data=date_form("last_day", "9", "5", "2024")).status_code == 302
    session.refresh(stored)
    assert stored.last_day == date(2024, 5, 9)


def test_record_a_leaver(client, session, demo_trusts, hr):
    post = AssignmentFactory(staff_member__trust=demo_trusts[0], start_date=date(2023, 4, 1))
    url = f"/workforce/assignments/{post.id}/leaver"
    missing = client.post(url, data=date_form("end_date", "", "3", "2025"))
    assert missing.status_code == 422 and b"Leaving date must include a day" in missing.data
    assert b"Choose the leaving reason" in missing.data
    done = client.post(
        url, data={"leaving_reason": "EMPLOYEE_TRANSFER", **date_form("end_date", "31", "3", "2025")}
    )
    assert done.status_code == 302
    session.refresh(post)
    assert (post.end_date, post.leaving_reason) == (date(2025, 3, 31), "EMPLOYEE_TRANSFER")


def test_director_and_other_trusts_hr_see_nothing(client, demo_trusts):
    post = AssignmentFactory(staff_member__trust=demo_trusts[0])
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=demo_trusts[0]))
    assert client.get(f"/workforce/staff/{post.staff_member_id}").status_code == 403
    assert client.get("/workforce/staff").status_code == 403
    client.post("/sign-out")
    sign_in(client, UserFactory(role=Role.HR, trust=demo_trusts[1]))
    assert client.get(f"/workforce/staff/{post.staff_member_id}").status_code == 403
