"""The secondment pages: propose, approve, consent by form; errors shown on the page; the home page's
to-do list; the CSV export; the host's view of a seconded nurse."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport.secondments.models import Secondment
from passport.secondments.state import Step
from tests.conftest import sign_in
from tests.support.credential_factories import issue
from tests.support.secondment_factories import make_world, propose, step
from tests.support.workforce_factories import AbsenceFactory

TODAY = date.today()


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


def _date(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


def _as(client, user):  # type: ignore[no-untyped-def]
    client.post("/sign-out")
    sign_in(client, user)
    return client


def test_propose_approve_consent_by_the_pages(client, world, session):
    _as(client, world.host_hr)
    form = client.get("/secondments/new")
    assert form.status_code == 200 and "Registered Nurse" in form.get_data(as_text=True)
    answer = client.post(
        "/secondments/new",
        data={
            "staff_email": world.nurse.email,
            "job_version_id": str(world.version.id),
            **_date("start_date", TODAY + timedelta(days=20)),
            **_date("end_date", TODAY + timedelta(days=120)),
            "fte": "0.6",
            "recharge_percent": "100",
            "reason": "Community team cover.",
        },
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    secondment = session.scalars(select(Secondment)).one()
    detail_url = f"/secondments/{secondment.id}"

    _as(client, world.home_hr)
    home = client.get("/").get_data(as_text=True)
    assert "Waiting for you" in home and "Approve or decline: secondment of Ada Okafor (RV5 to RPG)" in home
    page = client.get(detail_url).get_data(as_text=True)
    assert "Approve secondment" in page and "Consent to secondment" not in page
    refused = client.post(f"{detail_url}/steps", data={"step": "approve"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "There is a problem" in text and "does not meet essential requirements" in text
    approved = client.post(
        f"{detail_url}/steps", data={"step": "approve", "override_reason": "Checks to follow."}
    )
    assert approved.status_code == 302

    _as(client, world.nurse_user)
    assert "Consent or decline" in client.get("/").get_data(as_text=True)
    assert (
        client.post(f"{detail_url}/steps", data={"step": "consent", "note": "Yes please"}).status_code == 302
    )
    page = client.get(detail_url).get_data(as_text=True)
    assert "Agreed" in page and "Consented to by the nurse" in page and "Yes please" in page
    assert "Approved although essential requirements were missing" in page


def test_bad_proposal_form_shows_errors_and_saves_nothing(client, world, session):
    _as(client, world.host_hr)
    answer = client.post(
        "/secondments/new",
        data={
            "staff_email": world.nurse.email,
            "job_version_id": str(world.version.id),
            **_date("start_date", TODAY + timedelta(days=20)),
            **_date("end_date", TODAY + timedelta(days=10)),
            "fte": "0.6",
            "recharge_percent": "100",
            "reason": "x",
        },
    )
    assert answer.status_code == 422
    assert "The end date must be on or after the start date" in answer.get_data(as_text=True)
    assert session.scalars(select(Secondment)).first() is None


def test_consent_by_anyone_but_the_nurse_is_a_403_page(client, world, session):
    secondment = propose(session, world, today=TODAY)
    _as(client, world.home_hr)
    answer = client.post(f"/secondments/{secondment.id}/steps", data={"step": "consent"})
    assert answer.status_code == 403
    assert "(the secondee)" in answer.get_data(as_text=True)
    assert secondment.nurse_consented is False


def test_csv_export_lists_the_trusts_secondments_safely(client, world, session):
    world.nurse.given_name = "=HYPERLINK"
    secondment = propose(session, world, today=TODAY)
    _as(client, world.host_hr)
    answer = client.get("/secondments/export.csv?direction=incoming")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [(r["id"], r["status"], r["home_trust"], r["host_trust"], r["fte"]) for r in rows] == [
        (str(secondment.id), "proposed", "RV5", "RPG", "0.8000")
    ]
    assert rows[0]["staff_name"].startswith("'=")
    assert client.get("/secondments/export.csv?direction=outgoing").get_data(as_text=True).count("\n") == 1
    assert client.get("/secondments/export.csv?status=nonsense").status_code == 400


def test_list_page_filters(client, world, session):
    propose(session, world, today=TODAY)
    _as(client, world.home_hr)
    page = client.get("/secondments?direction=outgoing&status=proposed").get_data(as_text=True)
    assert "Ada Okafor" in page and "1 secondment," in page
    assert "No secondments match" in client.get("/secondments?direction=incoming").get_data(as_text=True)


def test_the_host_page_of_a_seconded_nurse_never_shows_her_sickness(client, world, session):
    AbsenceFactory(assignment=world.home_assignment, reason_code="S12", related_reason="back pain")
    issue(world.home, world.nurse, "professional-registration")
    start = TODAY - timedelta(days=2)
    secondment = propose(session, world, today=start, start=0, days=60)
    step(session, world, secondment, Step.APPROVE, world.home_hr, on=start, override_reason="x")
    step(session, world, secondment, Step.CONSENT, world.nurse_user, on=start)
    _as(client, world.host_hr)
    detail = client.get(f"/secondments/{secondment.id}").get_data(as_text=True)
    assert "'s passport and assignment details" in detail
    # Numbers as people write them: Decimal's normalize() alone showed the recharge as 1E+2%.
    assert f"100% of {secondment.staff_member.full_name}&#39;s pay" in detail and "E+" not in detail
    page = client.get(f"/secondments/{secondment.id}/secondee")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "NMC registration" in text and f"SEC-{secondment.id}" in text
    assert "S12" not in text and "back pain" not in text
    assert f"Issue a credential to {secondment.staff_member.full_name}" in text


def test_notifications_page_and_mark_read(client, world, session):
    propose(session, world, today=TODAY)
    _as(client, world.nurse_user)
    assert "1 unread notification" in client.get("/").get_data(as_text=True)
    assert "proposes a secondment for you" in client.get("/notifications").get_data(as_text=True)
    assert client.post("/notifications/read").status_code == 302
    assert "unread notification" not in client.get("/").get_data(as_text=True)
