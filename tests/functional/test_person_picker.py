"""People chosen by name (issue 19): the credential form, the fit check and the secondment proposal take a
name or an email address; one match is the person, several are offered as radios (no JavaScript needed),
none is an error beside the field naming what was typed. Names are searched only among the people the task
is about; the suggestions the field shows while typing come from the same search."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from passport.auth.models import Role
from passport.credentials.models import IssuedCredential
from passport.secondments.models import Secondment
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, TrustFactory, UserFactory
from tests.support.job_factories import adopted_job
from tests.support.secondment_factories import make_world

TRAINING = {
    "subject_code": "CSTF-FIRE",
    "level": "1",
    "completed_on-day": "1",
    "completed_on-month": "2",
    "completed_on-year": "2026",
}


@pytest.fixture
def trusts(session):  # type: ignore[no-untyped-def]
    own, other = (
        TrustFactory(ods_code="RPG", name="Oxleas"),
        TrustFactory(ods_code="RV5", name="South London"),
    )
    people = {
        "ada": StaffMemberFactory(trust=own, given_name="Ada", family_name="Lovelace"),
        "jo1": StaffMemberFactory(
            trust=own, given_name="Jo", family_name="Smith", email="jo.smith1@rpg.test"
        ),
        "jo2": StaffMemberFactory(
            trust=own, given_name="Joanna", family_name="Smith", email="jo.s2@rpg.test"
        ),
        "cat": StaffMemberFactory(trust=other, given_name="Cat", family_name="Elsewhere"),
    }
    return own, other, people


def _credentials(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(select(func.count()).select_from(IssuedCredential))


def _page(answer) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(answer.get_data(as_text=True))


def test_a_credential_is_issued_to_the_one_person_a_name_matches(client, session, trusts):
    own, _, people = trusts
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    answer = client.post(
        "/credentials/issue?type=mandatory-training", data={"staff_email": "lovel ADA", **TRAINING}
    )
    assert answer.status_code == 302, _page(answer)[:2000]
    credential = session.scalars(select(IssuedCredential)).one()
    assert credential.staff_member_id == people["ada"].id


def test_several_matches_are_offered_as_radios_and_nothing_is_issued_until_one_is_chosen(
    client, session, trusts
):
    own, _, people = trusts
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    answer = client.post(
        "/credentials/issue?type=mandatory-training", data={"staff_email": "smith", **TRAINING}
    )
    page = _page(answer)
    assert answer.status_code == 422 and _credentials(session) == 0
    assert "2 people in your trust's staff match smith: choose one." in page
    radios = re.findall(
        r'<input class="nhsuk-radios__input" id="([^"]+)" name="staff_email" type="radio" value="([^"]+)"',
        page,
    )
    assert [value for _, value in radios] == [
        "jo.smith1@rpg.test",
        "jo.s2@rpg.test",
    ]  # family, then given name
    assert radios[0][0] == "staff_email" and 'href="#staff_email"' in page  # the summary links to the choice
    assert "Oxleas, jo.s2@rpg.test" in page  # each told apart by trust and email
    assert re.search(r'<input[^>]*name="completed_on-year"[^>]*value="2026"', page)  # the rest is kept
    chosen = client.post(
        "/credentials/issue?type=mandatory-training", data={"staff_email": "jo.s2@rpg.test", **TRAINING}
    )
    assert chosen.status_code == 302
    assert session.scalars(select(IssuedCredential)).one().staff_member_id == people["jo2"].id


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("Elsewhere", "No one in your trust's staff has a name matching Elsewhere."),  # another trust's
        ("Nobody", "No one in your trust's staff has a name matching Nobody."),
        ("J", "Enter at least 2 letters of the person's name."),
        ("", "Enter the person's name or email address."),
        ("nobody@rpg.test", "There is no staff record for nobody@rpg.test."),
        ("%", "Enter at least 2 letters"),
        ("%%", "No one in your trust's staff has a name matching %%."),  # a wildcard is a character here
    ],
)
def test_no_match_is_an_error_beside_the_field_naming_what_was_typed(client, session, trusts, typed, message):
    own, _, _ = trusts
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    answer = client.post(
        "/credentials/issue?type=mandatory-training", data={"staff_email": typed, **TRAINING}
    )
    page = _page(answer)
    assert answer.status_code == 422 and _credentials(session) == 0
    assert message in page and 'href="#staff_email"' in page
    assert re.search(r'nhsuk-form-group--error">\s*<label class="nhsuk-label" for="staff_email"', page)
    assert f'value="{typed}"' in page  # what was typed is kept


def test_suggestions_come_from_the_same_scoped_search(client, session, trusts):
    own, _, _ = trusts
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    mine = client.get("/people/suggestions", query_string={"scope": "own-staff", "q": "smi"})
    assert mine.status_code == 200 and mine.headers["Cache-Control"] == "no-store"
    assert mine.json == [
        {"name": "Jo Smith", "email": "jo.smith1@rpg.test", "trust": "Oxleas"},
        {"name": "Joanna Smith", "email": "jo.s2@rpg.test", "trust": "Oxleas"},
    ]
    by_email = client.get("/people/suggestions", query_string={"scope": "own-staff", "q": "jo.s2@"}).json
    assert [p["name"] for p in by_email] == ["Joanna Smith"]
    assert client.get("/people/suggestions", query_string={"scope": "own-staff", "q": "Elsewhere"}).json == []
    theirs = client.get("/people/suggestions", query_string={"scope": "partner-staff", "q": "else"}).json
    assert theirs == [{"name": "Cat Elsewhere", "email": trusts[2]["cat"].email, "trust": "South London"}]
    assert client.get("/people/suggestions", query_string={"scope": "partner-staff", "q": "smith"}).json == []
    assert client.get("/people/suggestions", query_string={"scope": "own-staff", "q": "s"}).json == []


def test_suggestions_stop_at_ten(client, session, trusts):
    own, _, _ = trusts
    for number in range(12):
        StaffMemberFactory(trust=own, given_name=f"Sam{number:02d}", family_name="Many")
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    assert len(client.get("/people/suggestions", query_string={"scope": "own-staff", "q": "many"}).json) == 10


def test_the_fit_check_takes_a_name(client, session, trusts):
    own, other, people = trusts
    version = adopted_job(session, own, other)
    sign_in(client, UserFactory(role=Role.HR, trust=own))
    found = client.get(f"/jobs/{version.id}/fit-check", query_string={"email": "ada"})
    assert found.status_code == 200 and "<h2>Ada Lovelace</h2>" in _page(found)
    several = client.get(f"/jobs/{version.id}/fit-check", query_string={"email": "smith"})
    page = _page(several)
    assert several.status_code == 422 and 'name="email" type="radio" value="jo.s2@rpg.test"' in page
    assert "<h2>Jo" not in page  # no result until one is chosen
    elsewhere = client.get(f"/jobs/{version.id}/fit-check", query_string={"email": people["cat"].email})
    assert elsewhere.status_code == 403  # an email address of another trust's nurse: not hers to check


def test_a_secondment_is_proposed_for_a_partner_trusts_nurse_by_name(client, session):
    world = make_world(session)
    StaffMemberFactory(trust=world.host, given_name="Ada", family_name="Hostside")
    sign_in(client, world.host_hr)
    start, end = date.today() + timedelta(days=20), date.today() + timedelta(days=120)
    data = {
        "staff_email": "Ada",  # Ada Hostside is the host's own: not searched
        "job_version_id": str(world.version.id),
        **{f"start_date-{part}": str(getattr(start, part)) for part in ("day", "month", "year")},
        **{f"end_date-{part}": str(getattr(end, part)) for part in ("day", "month", "year")},
        "fte": "0.6",
        "recharge_percent": "100",
        "reason": "Community team cover.",
    }
    answer = client.post("/secondments/new", data=data)
    assert answer.status_code == 302, _page(answer)[:3000]
    assert session.scalars(select(Secondment)).one().staff_member_id == world.nurse.id
