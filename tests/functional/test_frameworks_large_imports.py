"""CASE packages over 1 MB are imported by a background job (run at once in tests, when the request's
transaction commits): through the page and the API, once per file, failing with the reason and writing
nothing for a broken package, refused before queueing for someone who may not import, and run twice
(as the sweeper would after a dead worker) still one framework."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

from competencies.frameworks.case_jobs import LARGE_PACKAGE_BYTES
from competencies.frameworks.models import Framework, FrameworkItem, FrameworkVersion
from passport.auth.models import Role
from passport.background.models import Job
from passport.background.runner import run_job
from tests.conftest import sign_in
from tests.support.factories import UserFactory
from tests.support.framework_factories import large_case_package

OPENSALT_DOCUMENT = "20c5134f-423d-4097-a971-3dd5152bf507"


@pytest.fixture
def admin(client, session):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.ADMIN, trust=None)
    sign_in(client, user)
    return user


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def _upload(client, content: bytes, owner: str = "", name: str = "big-framework.json"):  # type: ignore[no-untyped-def]
    data = {"package": (io.BytesIO(content), name), "owner": owner}
    return client.post("/frameworks/import", data=data, content_type="multipart/form-data")


def _job(session, job_id: int) -> Job:  # type: ignore[no-untyped-def]
    return session.get(Job, job_id, populate_existing=True)


def test_the_package_is_over_one_megabyte() -> None:
    assert len(large_case_package()) > LARGE_PACKAGE_BYTES
    assert len(large_case_package(break_it=True)) > LARGE_PACKAGE_BYTES


def test_a_large_upload_through_the_page_is_imported_by_a_job(client, admin, session) -> None:
    content = large_case_package()
    response = _upload(client, content)
    assert response.status_code == 303
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert response.headers["Location"].endswith(f"/background-jobs/{job_id}")
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="job-result-link"' in html and "imported in the background" in html
    job = _job(session, job_id)
    assert (job.status, job.kind, job.created_by_id, job.trust_id) == (
        "succeeded",
        "case_import",
        admin.id,
        None,
    )
    version = session.scalar(
        select(FrameworkVersion).where(FrameworkVersion.identifier == job.result["version"])
    )
    expected_items = len(json.loads(content)["CFItems"])
    assert job.result["items"] == expected_items > 700
    assert (
        session.scalar(select(func.count()).where(FrameworkItem.version_id == version.id)) == expected_items
    )
    assert version.document_identifier == OPENSALT_DOCUMENT and version.status == "draft"
    assert job.result_url == f"/frameworks/versions/{version.identifier}"
    shown = client.get(job.result_url)
    assert shown.status_code == 200 and "What Standards Could Be" in shown.get_data(as_text=True)


def test_a_large_upload_through_the_api_answers_202_and_is_followed_to_its_end(
    client, admin, session
) -> None:
    content = large_case_package()
    response = client.post(
        "/api/v1/frameworks/imports?publish=true", data=content, content_type="application/json"
    )
    assert response.status_code == 202, response.json
    assert response.json["kind"] == "case_import"
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/background-jobs/{response.json['id']}")
    for _ in range(10):  # the immediate queue has run it already; a real client polls like this
        followed = client.get(location)
        assert followed.status_code == 200
        if followed.json["status"] in ("succeeded", "failed"):
            break
    assert followed.json["status"] == "succeeded", followed.json
    version = session.scalar(
        select(FrameworkVersion).where(FrameworkVersion.identifier == followed.json["result"]["version"])
    )
    assert version.status == "published" and followed.json["links"]["result"].endswith(version.identifier)
    assert client.get(f"/api/v1/frameworks/versions/{version.identifier}").json["status"] == "published"


def test_a_small_package_is_still_imported_in_the_request(client, admin, session) -> None:
    response = client.post("/api/v1/frameworks/imports", json=json.loads(large_case_package(0)))
    assert response.status_code == 201 and response.json["document_identifier"] == OPENSALT_DOCUMENT
    assert _count(session, Job) == 0


def test_the_same_large_file_twice_gives_one_job_and_one_framework(client, admin, session) -> None:
    content = large_case_package()
    first = _upload(client, content)
    second = _upload(client, content, name="the-same-again.json")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    through_api = client.post("/api/v1/frameworks/imports", data=content, content_type="application/json")
    assert through_api.status_code == 202 and through_api.headers["Location"].endswith(
        first.headers["Location"].rsplit("/", 1)[1]
    )
    assert _count(session, Job) == 1
    assert _count(session, FrameworkVersion) == 1 and _count(session, Framework) == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda: large_case_package(break_it=True), "$.CFItems["),
        (lambda: large_case_package()[:-2], "not valid JSON"),
    ],
    ids=["duplicate identifier", "cut short"],
)
def test_a_broken_large_file_fails_its_job_with_the_reason_and_writes_nothing(
    client, admin, session, content, reason
) -> None:
    response = _upload(client, content())
    assert response.status_code == 303
    job = _job(session, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert job.status == "failed" and reason in job.error and "nothing was written" in job.error
    assert _count(session, FrameworkVersion) == 0 and _count(session, Framework) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This job did not finish" in page and "nothing was written" in page


def test_someone_who_may_not_import_is_refused_before_any_job(client, session, demo_trusts) -> None:
    rpg, rv5 = demo_trusts
    content = large_case_package()
    nurse = UserFactory(role=Role.NURSE, trust=rpg)
    sign_in(client, nurse)
    assert _upload(client, content).status_code == 403
    assert (
        client.post("/api/v1/frameworks/imports", data=content, content_type="application/json").status_code
        == 403
    )
    client.post("/sign-out")
    hr = UserFactory(role=Role.HR, trust=rpg)
    sign_in(client, hr)
    for owner in ("", "RV5"):  # a shared framework, another trust's
        query = f"?owner={owner}" if owner else ""
        refused = client.post(
            f"/api/v1/frameworks/imports{query}", data=content, content_type="application/json"
        )
        assert refused.status_code == 403
        assert _upload(client, content, owner=owner).status_code == 422  # not among her choices
    assert _count(session, Job) == 0 and _count(session, FrameworkVersion) == 0
    allowed = client.post(
        "/api/v1/frameworks/imports?owner=RPG", data=content, content_type="application/json"
    )
    assert allowed.status_code == 202 and _job(session, allowed.json["id"]).trust_id == rpg.id


def test_empty_or_not_json_files_are_refused_before_any_job(client, admin, session) -> None:
    assert _upload(client, b"").status_code == 422
    refused = _upload(client, large_case_package(), name="framework.xlsx")
    assert refused.status_code == 422 and "must be a CASE package in JSON" in refused.get_data(as_text=True)
    assert _count(session, Job) == 0


def test_a_job_run_again_as_the_sweeper_would_still_makes_one_framework(app, client, admin, session) -> None:
    response = _upload(client, large_case_package())
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    first = dict(_job(session, job_id).result)
    # A worker that died after its commit but before anyone saw it: the sweeper queues the job again.
    job = _job(session, job_id)
    job.status = "queued"
    session.commit()
    run_job(app, job_id)
    again = _job(session, job_id)
    assert again.status == "succeeded" and again.attempts == 2 and again.result == first
    assert _count(session, FrameworkVersion) == 1 and _count(session, Framework) == 1
