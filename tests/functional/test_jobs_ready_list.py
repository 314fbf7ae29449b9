"""'Who is ready' (issue 19): the trust's staff the question is about, ready first, then the closest to
ready (fewest gaps), then by name; how many are ready out of how many. Accounts with no staff record (HR,
directors, admins) and people who have left the trust are not in it. The page and the API agree."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from competencies.jobs import facts
from passport.auth.models import Role
from passport.auth.operations import create_api_token
from passport.workforce.models import Assignment
from tests.conftest import sign_in
from tests.support.credential_factories import SAMPLE_SUBJECTS, issue, staff
from tests.support.factories import UserFactory
from tests.support.job_factories import adopted_job

TODAY = date.today()
# adopted_job asks for three essentials: an enhanced DBS check, NMC registration, fire safety training.
EVERYTHING = ("dbs-check", "professional-registration", "mandatory-training")


def _person(trust, given: str, family: str, kinds=EVERYTHING, **training):  # type: ignore[no-untyped-def]
    member = staff(trust, given_name=given, family_name=family)
    for kind in kinds:
        data = {**SAMPLE_SUBJECTS[kind], **training} if kind == "mandatory-training" and training else None
        issue(trust, member, kind, data)
    return member


def _assignment(session, member, trust, start, end, kind="employee"):  # type: ignore[no-untyped-def]
    session.add(
        Assignment(
            staff_member_id=member.id, trust_id=trust.id, assignment_number=f"A{member.id}-{start:%Y%m%d}",
            staff_group="NMR", afc_band="5", contracted_fte=Decimal("1.0"), person_type=kind,
            start_date=start, end_date=end,
        )
    )  # fmt: skip
    session.flush()


@pytest.fixture
def world(session, demo_trusts):  # type: ignore[no-untyped-def]
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rpg, rv5)
    people = {
        "none": _person(rpg, "Nia", "None", kinds=()),  # three gaps
        "two": _person(rpg, "Tia", "Two", kinds=("dbs-check",)),  # two gaps
        "adams": _person(rpg, "Zed", "Adams", kinds=("dbs-check",)),  # two gaps, named before Two
        "one": _person(rpg, "Olu", "Onegap", kinds=("dbs-check", "professional-registration")),
        "expiring": _person(
            rpg,
            "Eve",
            "Expiring",
            subject_code="CSTF-FIRE",
            level=1,
            completed_on=(TODAY - timedelta(days=700)).isoformat(),
            expires_on=(TODAY + timedelta(days=10)).isoformat(),
        ),
        "ready": _person(rpg, "Ada", "Ready"),
        # Ready on paper, but she left the trust last month, or moved to a partner trust: not candidates.
        "leaver": _person(rpg, "Lee", "Leaver"),
        "moved": _person(rpg, "Mo", "Moved"),
        # Someone else's staff.
        "elsewhere": _person(rv5, "Cat", "Elsewhere"),
    }
    # Workforce records: Olu changed post (the old one ended, a new one is open), so she is still here.
    _assignment(session, people["one"], rpg, date(2020, 1, 1), date(2023, 3, 31))
    _assignment(session, people["one"], rpg, date(2023, 4, 1), None)
    _assignment(session, people["leaver"], rpg, date(2020, 1, 1), TODAY - timedelta(days=30))
    _assignment(session, people["moved"], rpg, date(2020, 1, 1), TODAY - timedelta(days=60))
    _assignment(session, people["moved"], rv5, TODAY - timedelta(days=59), None)
    # Tia's only record is a secondment to RV5 that has ended: a secondment is not leaving, she is listed.
    _assignment(session, people["two"], rv5, date(2026, 2, 7), date(2026, 8, 26), "secondee")
    # Accounts that sign in for the trust but have no staff record: not staff, so not in the list.
    hr = UserFactory(role=Role.HR, trust=rpg, display_name="Harriet Human-Resources", email="hr@rpg.test")
    UserFactory(role=Role.DIRECTOR, trust=rpg, display_name="Dora Director", email="director@rpg.test")
    UserFactory(role=Role.ADMIN, trust=None, display_name="Partnership Admin", email="admin@partner.test")
    return version, rpg, people, hr


ORDER = ["ready", "expiring", "one", "adams", "two", "none"]


def test_the_list_is_the_trusts_staff_ready_first_then_fewest_gaps_then_name(session, world):
    version, rpg, people, _ = world
    rows = facts.fit_for_trust(session, version, rpg.id)
    assert [row.staff_member_id for row in rows] == [people[key].id for key in ORDER]
    assert [len(row.result.missing) for row in rows] == [0, 0, 1, 2, 2, 3]
    assert [row.result.verdict for row in rows][:3] == ["ready", "ready_with_expiring", "not_ready"]


def test_the_page_lists_them_in_that_order_and_says_how_many_are_ready(client, session, world):
    version, _, people, hr = world
    sign_in(client, hr)
    answer = client.get(f"/jobs/{version.id}/ready")
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    names = re.findall(r'<a href="/jobs/\d+/fit-check\?email=[^"]+">([^<]+)</a>', page)
    assert names == ["Ada Ready", "Eve Expiring", "Olu Onegap", "Zed Adams", "Tia Two", "Nia None"]
    assert "2 of 6 staff are ready (1 with items expiring soon)." in page
    listed = page.split("<main", 1)[1].split("</main>", 1)[0]
    absent = (
        "Lee Leaver",
        "Mo Moved",
        "Cat Elsewhere",
        "Harriet",
        "hr@rpg.test",
        "Dora Director",
        "Partnership Admin",
    )
    assert not [words for words in absent if words in listed]
    assert "6 people, ready first" in page
    # Filtered, the order holds and the caption says how many of all are shown.
    filtered = html.unescape(
        client.get(f"/jobs/{version.id}/ready", query_string={"verdict": "not_ready"}).get_data(as_text=True)
    )
    names = re.findall(r'<a href="/jobs/\d+/fit-check\?email=[^"]+">([^<]+)</a>', filtered)
    assert names == ["Olu Onegap", "Zed Adams", "Tia Two", "Nia None"]
    assert "4 people shown of 6, ready first" in filtered


def test_the_list_comes_a_page_at_a_time_keeping_its_filter(client, session, world, monkeypatch):
    from competencies.jobs import views

    monkeypatch.setattr(views, "READY_PAGE_SIZE", 3)
    version, _, _, hr = world
    sign_in(client, hr)

    def names_on(**query):  # type: ignore[no-untyped-def]
        answer = client.get(f"/jobs/{version.id}/ready", query_string=query)
        page = html.unescape(answer.get_data(as_text=True))
        return re.findall(r'<a href="/jobs/\d+/fit-check\?email=[^"]+">([^<]+)</a>', page), page

    first, page = names_on()
    assert first == ["Ada Ready", "Eve Expiring", "Olu Onegap"]
    assert "6 people, ready first: 1 to 3 on this page (page 1 of 2)" in page
    assert f'href="/jobs/{version.id}/ready?page=2"' in page
    second, page = names_on(page=2)
    assert second == ["Zed Adams", "Tia Two", "Nia None"]
    assert f'href="/jobs/{version.id}/ready?page=1"' in page and "page=3" not in page
    # The filter stays in the next page's link; a page past the end shows the last.
    _, page = names_on(verdict="not_ready")
    assert re.search(r'href="/jobs/\d+/ready\?page=2&verdict=not_ready"', page)
    last, _ = names_on(verdict="not_ready", page=9)
    assert last == ["Nia None"]


def test_the_api_gives_the_same_order(client, session, world):
    version, _, people, hr = world
    _, secret = create_api_token(session, hr, "ready list")
    rows = client.get(f"/api/v1/jobs/{version.id}/ready", headers={"Authorization": f"Bearer {secret}"}).json
    assert [row["email"] for row in rows] == [people[key].email for key in ORDER]


def test_one_ready_person_reads_is(client, session, demo_trusts):
    rpg, rv5 = demo_trusts
    version = adopted_job(session, rpg, rv5)
    _person(rpg, "Ada", "Ready")
    sign_in(client, UserFactory(role=Role.HR, trust=rpg))
    page = html.unescape(client.get(f"/jobs/{version.id}/ready").get_data(as_text=True))
    assert "1 of 1 staff is ready." in page and "1 person, ready first" in page
