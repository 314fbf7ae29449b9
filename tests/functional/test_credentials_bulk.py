"""Bulk issuance from a CSV file as a background job, through the page and the API.

Jobs run at once here (the test app's "immediate" queue): a POST's job runs when its request commits, so
the 303 (or the 202's Location) leads to a job that has already ended.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.background.models import Job
from passport.credentials import bulk
from passport.credentials.models import IssuedCredential
from tests.conftest import sign_in
from tests.support.credential_factories import staff
from tests.support.factories import UserFactory

PAGE = "/credentials/bulk-training"
API = "/api/v1/credentials/bulk-training"
HEADER = "email,subject_code,level,completed_on\n"


@pytest.fixture
def hr(client, demo_trusts):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.HR, trust=demo_trusts[0])
    sign_in(client, user)
    return user


def _count(session, model=IssuedCredential) -> int:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _upload(client, content: bytes | str, url: str = PAGE, filename: str = "training.csv"):  # type: ignore[no-untyped-def]
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(url, data={"file": (io.BytesIO(raw), filename)}, content_type="multipart/form-data")


def _job(session, response) -> Job:  # type: ignore[no-untyped-def]
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    session.expire_all()
    return session.get(Job, job_id)


def _rows(members, subject: str = "CSTF-FIRE") -> str:  # type: ignore[no-untyped-def]
    return HEADER + "".join(f"{m.email},{subject},1,01/03/2026\n" for m in members)


def test_an_upload_answers_at_once_and_its_job_issues_every_row(client, session, hr, demo_trusts):
    first, second = staff(demo_trusts[0]), staff(demo_trusts[1])
    text = (
        "\ufeffemail,subject_code,level,completed_on,expires_on\n"
        f"{first.email},CSTF-FIRE,1,01/03/2026,\n"
        f"{second.email.upper()},cstf-resus,3,2026-03-02,2027-09-01\n\n"
    )
    response = _upload(client, text)
    assert response.status_code == 303
    job = _job(session, response)
    assert response.headers["Location"].endswith(f"/background-jobs/{job.id}")
    assert (job.kind, job.status, job.trust_id, job.created_by_id) == (
        "bulk_issuance",
        "succeeded",
        demo_trusts[0].id,
        hr.id,
    )
    assert job.result["issued"] == 2 and job.result["rejected"] == [] and job.result["skipped"] == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Finished" in page and job.result_url in page
    assert job.result_url == f"/credentials/bulk-training/jobs/{job.id}"
    report = client.get(job.result_url).get_data(as_text=True)
    assert "2 credentials issued." in report and first.email in report and second.email in report
    assert _count(session) == 2
    lines = session.scalars(select(IssuedCredential.bulk_line).order_by(IssuedCredential.bulk_line)).all()
    assert lines == [2, 3]
    resus = session.scalar(select(IssuedCredential).where(IssuedCredential.staff_member_id == second.id))
    assert resus.document["credentialSubject"]["mandatoryTraining"]["expiresOn"] == "2027-09-01"
    # The upload page lists it among the recent uploads (and reading it writes nothing).
    listing = client.get(PAGE)
    assert listing.status_code == 200 and f"/credentials/bulk-training/jobs/{job.id}" in listing.get_data(
        as_text=True
    )


def test_the_same_upload_twice_gives_one_job_and_one_credential_per_row(client, session, hr, demo_trusts):
    text = _rows([staff(demo_trusts[0]) for _ in range(3)])
    first = _upload(client, text)
    again = _upload(client, text, filename="renamed.csv")
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert "uploaded before" in client.get(again.headers["Location"]).get_data(as_text=True)
    api = _upload(client, text, API)
    assert api.status_code == 202 and api.json["id"] == _job(session, first).id
    assert _count(session, Job) == 1 and _count(session) == 3


def test_bad_rows_fail_the_job_with_each_line_and_nothing_is_issued(client, session, hr, demo_trusts):
    member = staff(demo_trusts[0])
    text = (
        HEADER + f"{member.email},CSTF-FIRE,1,01/03/2026\n"
        "nobody@nowhere.example,CSTF-FIRE,1,01/03/2026\n"
        f"{member.email},CSTF-NOPE,1,01/03/2026\n"
        f"{member.email},CSTF-FIRE,x,01/03/2026\n"
        f"{member.email},CSTF-FIRE,1,32/13/2026\n"
    )
    response = _upload(client, text)
    assert response.status_code == 303
    job = _job(session, response)
    assert job.status == "failed" and job.error.startswith("Nothing was issued: 4 of 5 rows have problems")
    assert "line 3: email: there is no staff record for nobody@nowhere.example" in job.error
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This job did not finish" in page and "line 3" in page
    assert [row["line"] for row in job.result["rejected"]] == [3, 4, 5, 6]
    report = client.get(job.result_url).get_data(as_text=True)
    for words in (
        "Nothing was issued",
        "no staff record for nobody@nowhere.example",
        "subject_code",
        "not a level number",
        "not a date",
    ):
        assert words in report
    assert _count(session) == 0


def test_the_api_answers_202_with_a_location_to_follow_to_the_end(client, session, hr, demo_trusts):
    response = _upload(client, _rows([staff(demo_trusts[0]) for _ in range(2)]), API)
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/background-jobs/{response.json['id']}")
    assert response.json["kind"] == "bulk_issuance"
    for _ in range(10):  # a client polls until the job ends (here it has already)
        followed = client.get(location)
        assert followed.status_code == 200
        if followed.json["status"] in ("succeeded", "failed"):
            break
    assert followed.json["status"] == "succeeded"
    assert followed.json["result"]["issued"] == 2 and followed.json["done"] == followed.json["total"] == 2
    assert followed.json["links"]["result"] == f"/credentials/bulk-training/jobs/{followed.json['id']}"
    # A bad row: the job fails and says which line, and why.
    bad = _upload(client, HEADER + "nobody@nowhere.example,CSTF-FIRE,1,01/03/2026\n", API)
    failed = client.get(bad.headers["Location"]).json
    assert failed["status"] == "failed" and "line 2" in failed["error"]
    assert failed["result"]["rejected"] == [
        {
            "line": 2,
            "email": "nobody@nowhere.example",
            "reason": "email: there is no staff record for nobody@nowhere.example",
        }
    ]
    assert _count(session) == 2


@pytest.mark.parametrize(
    ("content", "filename", "status", "words"),
    [
        ("", "training.csv", 422, "empty"),
        ("\n  \n", "training.csv", 422, "empty"),
        (HEADER, "training.xlsx", 422, "must be a CSV file"),
        (b"PK\x03\x04\x00\x00workbook", "training.csv", 422, "not CSV text"),
        (b"\xff\xfe\x00e\x00m", "t.csv", 422, "UTF-8"),
        (HEADER + "x" * (bulk.MAX_CSV_BYTES + 1), "big.csv", 413, "larger than 5 MB"),
    ],
)
def test_cheap_problems_are_answered_at_once_and_queue_nothing(
    client, session, hr, content, filename, status, words
):
    page = _upload(client, content, PAGE, filename)
    assert page.status_code == status and words in page.get_data(as_text=True)
    api = _upload(client, content, API, filename)
    assert api.status_code == status and words in api.json["detail"]
    assert _count(session, Job) == 0


def test_no_file_is_answered_at_once(client, session, hr):
    page = client.post(PAGE, data={}, content_type="multipart/form-data")
    assert page.status_code == 422 and "Choose a CSV file" in page.get_data(as_text=True)
    assert client.post(API, data={}, content_type="multipart/form-data").status_code == 422
    assert _count(session, Job) == 0


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("name,course\nx,y\n", "missing column(s): email"),
        (HEADER, "no completions"),
        (
            "email,subject_code,level,completed_on\nnurse@example.org,CSTF-FIRE,1,01/03/2026\n".encode(
                "latin-1"
            )
            + "caf\xe9@example.org,CSTF-FIRE,1,01/03/2026\n".encode("latin-1"),
            "not UTF-8",
        ),
        (
            "email,subject_code,level,completed_on,grade\nx@example.org,CSTF-FIRE,1,01/03/2026,A\n",
            "unknown column(s): grade",
        ),
    ],
)
def test_a_file_the_job_cannot_read_fails_with_the_reason_and_issues_nothing(
    client, session, hr, demo_trusts, content, words
):
    response = _upload(client, content)
    assert response.status_code == 303
    job = _job(session, response)
    assert job.status == "failed" and words in job.error
    assert words in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _count(session) == 0


def test_who_may_not_issue_is_refused_before_a_job_exists(app, session, demo_trusts):
    text = _rows([staff(demo_trusts[0])])
    for role in (Role.NURSE, Role.DIRECTOR, Role.ADMIN):
        client = app.test_client()
        sign_in(client, UserFactory(role=role, trust=None if role is Role.ADMIN else demo_trusts[0]))
        assert _upload(client, text).status_code == 403
        assert _upload(client, text, API).status_code == 403
    anonymous = app.test_client()
    assert _upload(anonymous, text, API).status_code == 401
    assert _count(session, Job) == 0 and _count(session) == 0


def test_an_uploads_report_is_for_hr_of_its_trust(app, client, session, hr, demo_trusts):
    response = _upload(client, _rows([staff(demo_trusts[0])]))
    url = _job(session, response).result_url
    other = app.test_client()
    sign_in(other, UserFactory(role=Role.HR, trust=demo_trusts[1]))
    assert other.get(url).status_code == 404
    assert other.get(response.headers["Location"]).status_code == 404
    colleague = app.test_client()
    sign_in(colleague, UserFactory(role=Role.HR, trust=demo_trusts[0]))
    assert colleague.get(url).status_code == 200
