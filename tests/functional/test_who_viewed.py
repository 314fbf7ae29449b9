"""Who saw what (issue 17): every view of a person's staff record, absences, sickness reasons and Bradford
factor by anyone but her is kept, and she reads a plain list: role, trust, when; never the viewer's name."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select

from passport.auth.models import Role
from passport.auth.operations import create_api_token
from passport.subject_access.models import RecordView
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, TrustFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


def _views(session, member) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = session.scalars(
        select(RecordView).where(RecordView.staff_member_id == member.id).order_by(RecordView.id)
    )
    return [(row.what, row.viewer_roles) for row in rows]


def test_views_by_others_are_kept_and_she_sees_role_trust_and_when(client, session, app, tmp_path):
    trust = TrustFactory(ods_code="RPG", name="Oxleas NHS Foundation Trust")
    nurse = StaffMemberFactory(trust=trust, given_name="Ada", family_name="Okafor")
    nurse_account = UserFactory(role=Role.NURSE, trust=trust, staff_member=nurse)
    recent = date.today() - timedelta(days=20)
    post = AssignmentFactory(staff_member=nurse)
    AbsenceFactory(assignment=post, first_day=recent, last_day=recent + timedelta(days=2), reason_code="S13")
    other = StaffMemberFactory(trust=trust)  # someone else's record: not on her list
    hr = UserFactory(role=Role.HR, trust=trust, email="harriet.hr@rpg.test", display_name="Harriet Hughes")
    admin = UserFactory(role=Role.ADMIN, trust=None)
    session.flush()

    sign_in(client, hr)
    assert client.get(f"/workforce/staff/{nurse.id}").status_code == 200  # HR: reasons and Bradford
    assert client.get(f"/workforce/staff/{other.id}").status_code == 200
    assert client.get("/metrics/bradford").status_code == 200  # she is on the list (sick recently)
    client.post("/sign-out")
    sign_in(client, admin)
    assert client.get(f"/workforce/staff/{nurse.id}").status_code == 200  # no reasons for an admin
    client.post("/sign-out")
    _, secret = create_api_token(session, hr, "reports")
    api = client.get(f"/api/v1/staff/{nurse.id}", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert _views(session, nurse) == [
        ("staff_record_with_sickness", "HR"),
        ("bradford_list", "HR"),
        ("staff_record", "Partnership admin"),
        ("staff_record_with_sickness", "HR"),
    ]
    assert [what for what, _ in _views(session, other)] == ["staff_record"]

    sign_in(client, nurse_account)
    page = client.get("/account/who-viewed").get_data(as_text=True)
    assert "4 views, most recent first" in page
    assert "HR, Oxleas NHS Foundation Trust" in page and "Partnership admin" in page
    assert "Your Bradford factor, in the trust&#39;s Bradford list" in page
    assert "Harriet" not in page and "harriet.hr" not in page  # the viewer's name is not hers to see
    # Her own look at her record would not be listed; and the list is in her copy of her data, unnamed.
    out = tmp_path / "data.json"
    result = app.test_cli_runner().invoke(
        args=["passport", "export-subject-data", "--email", nurse.email, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    sections = {s["table"]: s["rows"] for s in json.loads(out.read_text())["sections"]}
    assert len(sections["record_view"]) == 4 and "viewer_user_id" not in sections["record_view"][0]


def test_an_account_without_a_staff_record_has_nothing_listed(client, session):
    sign_in(client, UserFactory(role=Role.DIRECTOR, trust=TrustFactory()))
    assert "Your account has no staff record" in client.get("/account/who-viewed").get_data(as_text=True)
