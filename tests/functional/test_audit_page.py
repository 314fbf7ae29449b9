"""The audit log page speaks the HR officer's words, keeps the codes for support, and filters by them."""

from __future__ import annotations

import html
import re

import pytest

from passport.audit.operations import record_event
from passport.audit.words import ACTION_WORDS, TOPICS
from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.factories import UserFactory


@pytest.fixture
def hr_with_events(client, session, demo_trusts):  # type: ignore[no-untyped-def]
    own, other = demo_trusts
    hr = UserFactory(role=Role.HR, trust=own)
    for action, actor, record_type in (
        ("job.fit_checked", hr, "job_version"),
        ("passport.share_opened", "anonymous", "passport_share"),
        ("secondment.decline", hr, "secondment"),
        ("secondment.decline_extension", "secondments-tick", "secondment"),
        ("retired.thing", "cli", None),  # an action an older version recorded
    ):
        record_event(
            session, actor=actor, action=action, record_type=record_type, record_id=7, trust_id=own.id
        )
    record_event(session, actor="cli", action="job.created", trust_id=other.id)
    session.flush()
    sign_in(client, hr)
    return hr


def _rows(page: str) -> list[str]:
    """The text of each row of the log's table."""
    body = page[page.index('<tbody class="nhsuk-table__body">') : page.index("</tbody>")]
    return [html.unescape(" ".join(re.sub(r"<[^>]+>", " ", row).split())) for row in body.split("</tr>")[:-1]]


def test_events_are_told_in_words_with_the_code_kept_for_support(client, hr_with_events):
    page = client.get("/audit").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 6  # theirs and the sign-in; the other trust's event is not shown to HR
    assert "Signed in" in rows[0] and "Account" in rows[0]
    fit_check = next(row for row in rows if "Fit check run" in row)
    assert "Code: job.fit_checked" in fit_check and "Job description version 7" in fit_check
    assert hr_with_events.email in fit_check
    opened = next(row for row in rows if "Shared passport opened" in row)
    assert "Someone not signed in" in opened and "Passport share 7" in opened
    tick = next(row for row in rows if "Secondment extension declined" in row)
    assert "The service (daily secondment check)" in tick
    legacy = next(row for row in rows if "retired.thing" in row)  # no words: the code is what there is
    assert "Support staff (command line)" in legacy
    assert "<code>job.fit_checked</code>" in page


def test_the_filter_offers_every_action_in_words(client, hr_with_events):
    page = html.unescape(client.get("/audit").get_data(as_text=True))
    select = page[page.index('<select class="nhsuk-select" id="action"') : page.index("</select>")]
    for code, words in ACTION_WORDS.items():
        assert f'<option value="{code}">{words}</option>' in select
    for topic in TOPICS:
        assert f'<optgroup label="{topic.title}">' in select
    assert '<label class="nhsuk-label" for="action">Show</label>' in page


def test_one_action_is_that_action_only(client, hr_with_events):
    # secondment.decline is the start of secondment.decline_extension: choosing it must not bring both.
    page = client.get("/audit", query_string={"action": "secondment.decline"}).get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 1 and "Secondment declined by the home trust" in rows[0]
    assert "1 event: Secondment declined by the home trust." in html.unescape(page)
    assert '<option value="secondment.decline" selected>' in page


def test_a_topic_brings_every_action_of_it(client, hr_with_events):
    page = client.get("/audit", query_string={"action": "topic:secondments"}).get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 2 and all("Secondment" in row for row in rows)
    assert "2 events: Secondments." in page


def test_a_code_typed_into_the_address_still_filters_by_its_start(client, hr_with_events):
    page = client.get("/audit", query_string={"action": "retired"}).get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 1 and "retired.thing" in rows[0]
    assert '<option value="retired" selected>Actions whose code starts retired</option>' in page
    # LIKE's wildcards are taken as typed.
    assert _rows(client.get("/audit", query_string={"action": "job_fit"}).get_data(as_text=True)) == []


# --- Links to the records events are about ----------------------------------------------------------------


def _record_links(page: str) -> dict[str, str]:
    """Each linked record in the log's Record column: its words to its address."""
    body = page[page.index('<tbody class="nhsuk-table__body">') : page.index("</tbody>")]
    found = re.findall(r'Record </span><a href="([^"]+)">([^<]+)</a>', body)
    return {html.unescape(words): html.unescape(address) for address, words in found}


def test_every_kind_of_record_with_a_page_is_linked_where_the_viewer_can_open_it(client, session):
    from passport.audit.links import RECORD_PAGES
    from passport.corrections.models import CorrectionRequest
    from passport.workforce.models import ImportRun
    from tests.support.credential_factories import issue
    from tests.support.framework_factories import imported_framework
    from tests.support.secondment_factories import make_world, propose

    world = make_world(session)  # host RPG, home RV5
    own = world.host
    member = world.nurse
    credential = issue(own, member)
    secondment = propose(session, world)
    run = ImportRun(kind="assignments", trust_id=own.id, filename="a.csv", sha256="0" * 64, status="imported")
    session.add(run)
    framework = imported_framework(session)
    correction = CorrectionRequest(
        staff_member_id=member.id, trust_id=own.id, record_type="staff_member", record_id=member.id,
        field="given_name", current_value="Ada", requested_value="Adaeze",
    )  # fmt: skip
    session.add(correction)
    session.flush()
    records = {
        "staff_member": (member.id, own.id),  # a fit check at the host: her record is her home trust's
        "issued_credential": (credential.id, own.id),
        "secondment": (secondment.id, own.id),
        "job_version": (world.version.id, own.id),  # adopted by the trust, say
        "framework_version": (framework.identifier, own.id),
        "import_run": (run.id, own.id),
        "correction_request": (correction.id, own.id),
    }
    # Every kind a feature gives a page to is here: a new registration needs a row in this test.
    assert set(RECORD_PAGES) == set(records)
    for record_type, (record_id, trust_id) in records.items():
        record_event(session, actor="cli", action="test.linked", record_type=record_type, record_id=record_id,
                     trust_id=trust_id)  # fmt: skip
    # Not linked: a record that no longer exists, a kind with no page, an identifier that is not a number.
    record_event(session, actor="cli", action="test.gone", record_type="issued_credential", record_id=999999,
                 trust_id=own.id)  # fmt: skip
    for record_type, record_id in (("api_token", 1), ("secondment", "x7")):
        record_event(session, actor="cli", action="test.unlinked", record_type=record_type,
                     record_id=record_id, trust_id=own.id)  # fmt: skip
    session.flush()

    def links_for(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
        client.post("/sign-out")
        sign_in(client, user)
        page = client.get("/audit", query_string={"action": "test."}).get_data(as_text=True)
        found = _record_links(page)
        for address in found.values():  # each link opens for whoever is shown it
            assert client.get(address).status_code == 200, address
        return found

    hr = links_for(UserFactory(role=Role.HR, trust=own))
    assert hr == {  # the staff record is not: it is her home trust's (RV5), whose HR it opens for
        f"Credential {credential.id}": f"/credentials/{credential.id}",
        f"Secondment {secondment.id}": f"/secondments/{secondment.id}",
        f"Job description version {world.version.id}": f"/jobs/{world.version.id}",
        f"Framework version {framework.identifier}": f"/frameworks/versions/{framework.identifier}",
        f"ESR import {run.id}": f"/workforce/imports/{run.id}",
        f"Correction request {correction.id}": f"/workforce/corrections/{correction.id}",
    }
    # A partnership admin sees every trust's events and staff records, not the credentials a trust issued.
    admin = links_for(UserFactory(role=Role.ADMIN, trust=None))
    assert set(admin) == set(hr) - {f"Credential {credential.id}", f"Correction request {correction.id}"} | {
        f"Staff record {member.id}"
    }
