"""HR pages: the upload and its results, the staff list, a person's page and the forms."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from passport.auth.models import Role
from passport.workforce.models import Absence, ImportRun
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


def test_upload_page_runs_the_import_and_shows_counts_and_rejected_rows(client, session, hr):
    page = client.get("/workforce/imports")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.data
    assert b"js/workforce.js" in page.data and b"data-progress-url" in page.data
    data = csv_bytes([assignment(), assignment("20000002-1", "b@rpg.example", **{"Org Code": "ZZZ"})])
    response = post_file(client, data, progress_key="k" * 32)
    assert response.status_code == 303
    result = client.get(response.headers["Location"])
    html = result.data.decode()
    assert "Nothing was imported" in html and "ZZZ is not a trust of the partnership" in html
    assert '<th scope="col">Row</th>' in html and ">3</td>" in html
    progress = client.get("/workforce/imports/progress/" + "k" * 32)
    assert (
        progress.status_code == 200
        and progress.json["status"] == "rejected"
        and progress.json["rows_read"] == 2
    )
    kept = client.get(post_file(client, data, partial="y").headers["Location"]).data.decode()
    assert "were imported, except the rejected rows below" in kept
    runs = list(session.scalars(select(ImportRun).order_by(ImportRun.id)))
    assert [(r.status, r.added, r.rejected) for r in runs] == [("rejected", 0, 1), ("imported", 1, 1)]


def test_upload_page_errors(app, client, hr):
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


def test_progress_of_an_import_not_yet_started_is_waiting(client, hr):
    response = client.get("/workforce/imports/progress/" + "w" * 32)
    assert response.status_code == 200 and response.json == {"status": "waiting", "rows_read": 0}
