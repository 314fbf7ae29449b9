"""The fit check over really signed credentials: the verifier path (one nurse) and the register path
(a whole trust) must agree, and only verified credentials count."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from competencies.jobs import facts
from passport.credentials.operations import change_status
from tests.support.credential_factories import SAMPLE_SUBJECTS, issue, staff
from tests.support.factories import TrustFactory
from tests.support.job_factories import adopted_job, crosswalk, framework_item

TODAY = date.today()


@pytest.fixture
def trusts(session):  # type: ignore[no-untyped-def]
    return TrustFactory(ods_code="RPG"), TrustFactory(ods_code="RV5")


def ready_nurse(trust, **training):  # type: ignore[no-untyped-def]
    member = staff(trust)
    issued = {
        "dbs": issue(trust, member, "dbs-check"),
        "nmc": issue(trust, member, "professional-registration"),
        "fire": issue(trust, member, "mandatory-training", training or SAMPLE_SUBJECTS["mandatory-training"]),
    }
    return member, issued


def both_ways(session, member, version):  # type: ignore[no-untyped-def]
    """The verifier's verdict for her, and the register's verdict from the trust-wide list."""
    one = facts.fit_check(session, member, version)
    row = next(
        r for r in facts.fit_for_trust(session, version, member.trust_id) if r.staff_member_id == member.id
    )
    assert [r.outcome for r in one.results] == [r.outcome for r in row.result.results]
    return one


def test_a_nurse_holding_everything_is_ready(session, trusts):
    version = adopted_job(session, *trusts)
    member, issued = ready_nurse(trusts[0])
    result = both_ways(session, member, version)
    assert result.verdict == "ready"
    assert result.results[0].credential_id == issued["dbs"].credential_uri
    assert result.results[1].sentence.startswith("Met by NMC registration: Registered nurse (mental health)")


def test_credentials_from_another_partner_trust_count(session, trusts):
    rpg, rv5 = trusts
    version = adopted_job(session, rpg, rv5)
    member = staff(rpg)
    for kind in ("dbs-check", "professional-registration", "mandatory-training"):
        issue(rv5, member, kind)  # her previous trust's checks and training
    assert both_ways(session, member, version).verdict == "ready"


@pytest.mark.parametrize(("action", "words"), [("revoke", "revoked"), ("suspend", "suspended")])
def test_revoked_or_suspended_credentials_never_meet(session, trusts, action, words):
    version = adopted_job(session, *trusts)
    member, issued = ready_nurse(trusts[0])
    change_status(session, issued["dbs"], action, actor="test")
    result = both_ways(session, member, version)
    assert result.verdict == "not_ready"
    assert result.results[0].outcome == "missing"
    assert words in result.results[0].sentence
    assert [r.label for r in result.missing] == ["DBS check (enhanced or higher)"]


def test_training_expiring_soon_makes_her_ready_with_expiring(session, trusts):
    version = adopted_job(session, *trusts)
    soon = TODAY + timedelta(days=10)
    member, _ = ready_nurse(
        trusts[0],
        subject_code="CSTF-FIRE",
        level=1,
        completed_on=(TODAY - timedelta(days=700)).isoformat(),
        expires_on=soon.isoformat(),
    )
    result = both_ways(session, member, version)
    assert result.verdict == "ready_with_expiring"
    assert result.results[2].outcome == "expiring"


def test_a_midwife_is_not_on_the_nursing_part_of_the_register(session, trusts):
    version = adopted_job(session, *trusts)
    member = staff(trusts[0])
    issue(trusts[0], member, "dbs-check")
    issue(trusts[0], member, "mandatory-training")
    issue(
        trusts[0],
        member,
        "professional-registration",
        {**SAMPLE_SUBJECTS["professional-registration"], "register_part": "RM"},
    )
    result = both_ways(session, member, version)
    assert result.results[1].outcome == "missing"
    assert result.verdict == "not_ready"


def test_a_basic_dbs_check_is_below_the_enhanced_level(session, trusts):
    version = adopted_job(session, *trusts)
    member = staff(trusts[0])
    issue(trusts[0], member, "dbs-check", {**SAMPLE_SUBJECTS["dbs-check"], "level": "basic"})
    assert both_ways(session, member, version).results[0].outcome == "below_level"


def _competency(item, proficiency):  # type: ignore[no-untyped-def]
    return {
        **SAMPLE_SUBJECTS["competency"],
        "item_identifier": item.identifier,
        "item_uri": item.uri,
        "statement": item.full_statement,
        "proficiency": proficiency,
    }


def test_a_local_competency_counts_through_an_exact_match_crosswalk(session, trusts):
    rpg, rv5 = trusts
    shared = framework_item(session, "SLP-MED-1", "Administers medicines safely")
    local = framework_item(session, "RPG-7", "Gives medicines safely", owner=rpg)
    related = framework_item(session, "RPG-8", "Knows about medicines", owner=rpg)
    crosswalk(session, rpg, local, shared)
    crosswalk(session, rpg, related, shared, "isRelatedTo")
    version = adopted_job(
        session,
        rpg,
        rv5,
        requirements=[{"kind": "competency", "item": shared.identifier, "min_proficiency": "competent"}],
    )
    via_crosswalk = staff(rpg)
    issue(rpg, via_crosswalk, "competency", _competency(local, "proficient"))
    only_related = staff(rpg)
    issue(rpg, only_related, "competency", _competency(related, "expert"))
    too_junior = staff(rpg)
    issue(rpg, too_junior, "competency", _competency(shared, "advanced_beginner"))

    met = both_ways(session, via_crosswalk, version)
    assert met.verdict == "ready"
    assert met.results[0].via == "an exact-match crosswalk from RPG-7"
    assert both_ways(session, only_related, version).results[0].outcome == "missing"
    assert both_ways(session, too_junior, version).results[0].outcome == "below_level"


def test_the_ready_list_covers_exactly_the_trusts_staff(session, trusts):
    rpg, rv5 = trusts
    version = adopted_job(session, rpg, rv5)
    ready, _ = ready_nurse(rpg)
    empty = staff(rpg)
    elsewhere, _ = ready_nurse(rv5)
    rows = {row.staff_member_id: row.result.verdict for row in facts.fit_for_trust(session, version, rpg.id)}
    assert rows == {ready.id: "ready", empty.id: "not_ready"}
    assert elsewhere.id not in rows


def test_a_key_compromised_before_signing_makes_its_credentials_not_count(session, trusts):
    from datetime import UTC, datetime

    from passport.credentials.keys import mark_key_compromised

    rpg, rv5 = trusts
    version = adopted_job(session, rpg, rv5)
    member, issued = ready_nurse(rpg)
    key = issued["dbs"].signing_key
    mark_key_compromised(session, rpg, key.key_id, at=datetime(2000, 1, 1, tzinfo=UTC), actor="test")
    result = both_ways(session, member, version)
    assert result.verdict == "not_ready"
    assert {r.outcome for r in result.results} == {"missing"}


def test_the_ready_list_writes_nothing_and_kept_claims_give_the_same_answer(session, trusts):
    """The list is a page view: it reads claims not kept yet from the documents; the periodic job keeps
    them (once each), and the list then reads the kept columns to the same verdicts."""
    from sqlalchemy import func, select

    from competencies.jobs.models import CredentialFact
    from competencies.jobs.tasks import keep_credential_claims

    rpg, rv5 = trusts
    version = adopted_job(session, rpg, rv5)
    ready_nurse(rpg)
    ready_nurse(rv5)
    before = [
        (row.staff_member_id, row.result.verdict) for row in facts.fit_for_trust(session, version, rpg.id)
    ]
    assert not session.new and not session.dirty
    assert session.scalar(select(func.count()).select_from(CredentialFact)) == 0
    assert keep_credential_claims(session) == "kept the claims of 6 new credentials"  # both nurses' three
    assert keep_credential_claims(session) is None
    after = [
        (row.staff_member_id, row.result.verdict) for row in facts.fit_for_trust(session, version, rpg.id)
    ]
    assert after == before and before[0][1] == "ready"
    assert session.scalar(select(func.count()).select_from(CredentialFact)) == 6
