"""Assessor sign-off against the real database: the rules, and the competency credential it issues and
revokes (signed for real by the assessor's trust)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from competencies.frameworks import signoff
from competencies.frameworks.models import FrameworkItem, SignOff
from passport.auth.models import Role
from passport.credentials.models import CredentialState, IssuedCredential
from passport.errors import AccessDenied, Conflict, InvalidInput, NotFound
from tests.support.factories import PartnershipFactory, StaffMemberFactory, TrustFactory, UserFactory
from tests.support.framework_factories import imported_framework

TODAY = date.today() - timedelta(days=1)


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    own, other = demo_trusts
    version = imported_framework(session)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    assessor_staff = StaffMemberFactory(trust=own)
    assessor = UserFactory(
        role=Role.ASSESSOR, trust=own, staff_member=assessor_staff, email=assessor_staff.email
    )
    nurse = StaffMemberFactory(trust=other)  # a nurse of a partner trust
    return {
        "own": own,
        "other": other,
        "version": version,
        "item": item,
        "assessor": assessor,
        "nurse": nurse,
    }


def _sign(session, world, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "assessor": world["assessor"],
        "nurse": world["nurse"],
        "item": world["item"],
        "proficiency_level": "competent",
        "method": "observation",
        "outcome": "competent",
        "evidence": "Observed on ward 3",
        "assessed_on": TODAY,
        "review_on": TODAY + timedelta(days=365),
        "public_url": "https://passport.test",
    }
    values.update(overrides)
    return signoff.record_sign_off(session, **values)


def _count(session, model) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(model))


def test_competent_sign_off_issues_a_credential_of_the_assessors_trust(session, world) -> None:
    record = _sign(session, world)
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.credential_uri == record.credential_uri)
    )
    assert credential is not None
    assert credential.trust_id == world["own"].id  # signed by the assessor's trust
    assert credential.staff_member_id == world["nurse"].id
    assert credential.credential_type == "competency"
    claim = credential.document["credentialSubject"]["competency"]
    assert claim["itemIdentifier"] == world["item"].identifier
    assert claim["itemUri"] == world["item"].uri
    assert claim["frameworkUri"] == world["version"].document_uri
    assert "version 1" in claim["framework"]
    assert credential.document["validUntil"].startswith((TODAY + timedelta(days=365)).isoformat()[:4])
    assert credential.valid_until is not None and credential.valid_until.date() >= TODAY + timedelta(days=364)
    assert "proof" in credential.document


def test_withdrawing_revokes_the_credential(session, world) -> None:
    record = _sign(session, world)
    signoff.withdraw_sign_off(session, record, actor=world["assessor"], reason="Signed in error")
    credential = session.scalar(
        select(IssuedCredential).where(IssuedCredential.credential_uri == record.credential_uri)
    )
    assert credential.state is CredentialState.REVOKED
    assert record.withdrawn_at is not None
    with pytest.raises(Conflict):
        signoff.withdraw_sign_off(session, record, actor=world["assessor"], reason=None)


@pytest.mark.parametrize("outcome", ["working_towards", "not_yet_competent"])
def test_other_outcomes_issue_nothing(session, world, outcome) -> None:
    before = _count(session, IssuedCredential)
    record = _sign(session, world, outcome=outcome)
    assert record.credential_uri is None and _count(session, IssuedCredential) == before


def test_an_assessor_cannot_sign_herself_off(session, world) -> None:
    before = _count(session, SignOff)
    with pytest.raises(Conflict, match="cannot sign themselves off"):
        _sign(session, world, nurse=world["assessor"].staff_member)
    assert _count(session, SignOff) == before


def test_only_assessors_sign_off(session, world) -> None:
    hr = UserFactory(role=Role.HR, trust=world["own"])
    with pytest.raises(AccessDenied):
        _sign(session, world, assessor=hr)


def test_a_nurse_outside_the_partnership_is_refused(session, world) -> None:
    elsewhere = TrustFactory(ods_code="RXX", partnership=PartnershipFactory(code="OTHER", name="Elsewhere"))
    outsider = StaffMemberFactory(trust=elsewhere, nmc_pin="99Z9999Z")
    before = (_count(session, SignOff), _count(session, IssuedCredential))
    with pytest.raises(NotFound, match="partner trusts"):
        _sign(session, world, nurse=outsider)
    with pytest.raises(NotFound, match="partner trusts"):
        signoff.find_nurse(session, "99Z9999Z", partnership_id=world["own"].partnership_id)
    with pytest.raises(NotFound, match="partner trusts"):
        signoff.find_nurse(session, "nobody@example.test", partnership_id=world["own"].partnership_id)
    assert (_count(session, SignOff), _count(session, IssuedCredential)) == before


def test_find_nurse_by_pin_or_email(session, world) -> None:
    nurse = world["nurse"]
    partnership = world["own"].partnership_id
    assert signoff.find_nurse(session, nurse.email.upper(), partnership_id=partnership) == nurse
    assert signoff.find_nurse(session, nurse.nmc_pin.lower(), partnership_id=partnership) == nurse


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("proficiency_level", "wizard", InvalidInput),
        ("method", "guesswork", InvalidInput),
        ("outcome", "maybe", InvalidInput),
        ("assessed_on", date.today() + timedelta(days=3), InvalidInput),
        ("review_on", TODAY, InvalidInput),
        ("evidence", "x" * 2001, InvalidInput),
    ],
)
def test_bad_sign_off_input_names_the_field(session, world, field, value, error) -> None:
    with pytest.raises(error) as caught:
        _sign(session, world, **{field: value})
    assert field in caught.value.errors


def test_draft_items_cannot_be_signed_off(session, world) -> None:
    draft = imported_framework(session, publish=False)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == draft.id)).first()
    with pytest.raises(Conflict, match="published versions"):
        _sign(session, world, item=item)


def test_visibility_follows_the_policy(session, world) -> None:
    record = _sign(session, world)
    nurse_user = UserFactory(role=Role.NURSE, trust=world["other"], staff_member=world["nurse"])
    hr_other = UserFactory(role=Role.HR, trust=world["other"])
    stranger = UserFactory(role=Role.NURSE, trust=world["own"])
    director = UserFactory(role=Role.DIRECTOR, trust=world["own"])
    assert record in signoff.sign_offs_visible_to(session, nurse_user)
    assert record in signoff.sign_offs_visible_to(session, hr_other)
    assert record in signoff.sign_offs_visible_to(session, world["assessor"])
    assert record not in signoff.sign_offs_visible_to(session, stranger)
    with pytest.raises(AccessDenied):
        signoff.sign_offs_visible_to(session, director)
