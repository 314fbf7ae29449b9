"""``flask passport export-subject-data`` (issue 17): everything held about one person in one JSON file, her
rows only, secrets left out, the export itself audited."""

from __future__ import annotations

import json

from sqlalchemy import select

from passport.audit.models import AuditEvent
from passport.audit.operations import record_event
from passport.auth.operations import create_api_token
from passport.passports.models import OpeningKind
from passport.passports.operations import create_share, record_opening
from passport.subject_access.operations import PARTS
from tests.support.credential_factories import issue
from tests.support.factories import StaffMemberFactory
from tests.support.secondment_factories import make_world, propose
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory


def _export(app, tmp_path, email: str):  # type: ignore[no-untyped-def]
    out = tmp_path / "subject.json"
    result = app.test_cli_runner().invoke(
        args=["passport", "export-subject-data", "--email", email, "--out", str(out)]
    )
    return result, out


def test_everything_about_her_and_nothing_about_anyone_else(app, session, tmp_path):
    world = make_world(session)  # Ada Okafor of RV5, with an account; seconded to RPG below
    nurse, account = world.nurse, world.nurse_user
    absence = AbsenceFactory(assignment=world.home_assignment, reason_code="S12")
    credential = issue(world.home, nurse)
    share, _raw = create_share(session, member=nurse, credential_ids=[credential.id], actor=account)
    record_opening(session, share, OpeningKind.OPENED, None)
    token, _secret = create_api_token(session, account, "phone")
    secondment = propose(session, world)
    record_event(session, actor="cli", action="staff.created", record_type="staff_member", record_id=nurse.id)
    someone_else = StaffMemberFactory(trust=world.home, given_name="Bea", family_name="Other")
    their_absence = AbsenceFactory(assignment=AssignmentFactory(staff_member=someone_else))
    session.flush()

    result, out = _export(app, tmp_path, nurse.email.upper())
    assert result.exit_code == 0, result.output
    assert f"about {nurse.email}" in result.output
    text = out.read_text()
    body = json.loads(text)
    assert body["format"] == "staff-passport-subject-data/1" and body["email"] == nurse.email
    sections = {section["table"]: section["rows"] for section in body["sections"]}
    assert list(sections) == [part.table for part in PARTS]  # every part, in order, even when empty

    def ids(table: str) -> list:  # type: ignore[type-arg]
        return [row["id"] for row in sections[table]]

    assert ids("staff_member") == [nurse.id] and ids("user_account") == [account.id]
    assert ids("assignment") == [world.home_assignment.id]
    assert ids("absence") == [absence.id] and sections["absence"][0]["reason_code"] == "S12"
    assert their_absence.id not in ids("absence") and someone_else.email not in text
    assert ids("issued_credential") == [credential.id]
    assert sections["issued_credential"][0]["document"] == credential.document  # the signed document
    assert ids("passport_share") == [share.id] and len(sections["share_opening"]) == 1
    assert sections["share_credential"] == [{"share_id": share.id, "credential_id": credential.id}]
    assert ids("secondment") == [secondment.id] and sections["secondment_step"]
    assert ids("api_token") == [token.id] and sections["notification"]
    about_her = [row for row in sections["audit_event"] if row["record_type"] == "staff_member"]
    assert about_her and all(row["record_id"] == str(nurse.id) for row in about_her)
    # Nothing that would let the reader act as her.
    for secret in (account.password_hash, token.token_hash, share.token_hash):
        assert secret not in text
    assert "password_hash" not in sections["user_account"][0]
    # The export is itself on the record.
    exported = session.scalars(select(AuditEvent).where(AuditEvent.action == "subject_data.exported")).one()
    assert exported.record_type == "staff_member" and exported.record_id == str(nurse.id)


def test_an_account_without_a_staff_record_is_exported_too(app, session, tmp_path):
    world = make_world(session)
    result, out = _export(app, tmp_path, world.host_hr.email)
    assert result.exit_code == 0, result.output
    sections = {section["table"]: section["rows"] for section in json.loads(out.read_text())["sections"]}
    assert sections["staff_member"] == []
    assert [row["id"] for row in sections["user_account"]] == [world.host_hr.id]


def test_an_unknown_address_is_refused_and_nothing_is_written(app, session, tmp_path):
    result, out = _export(app, tmp_path, "nobody@nowhere.example")
    assert result.exit_code == 1
    assert "No staff record or account has the email address nobody@nowhere.example." in result.output
    assert not out.exists()
    exported = select(AuditEvent).where(AuditEvent.action == "subject_data.exported")
    assert session.scalars(exported).first() is None
