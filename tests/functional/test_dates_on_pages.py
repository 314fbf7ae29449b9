"""Dates read one way on real pages (issue 19): 2 December 2026, and 2 December 2026 at 14:05 in UK
time; ISO 8601 only for machines, in <time datetime="..."> attributes. tests/unit/test_dates_for_people.py
keeps other formats out of the templates and the code; these pages show the result."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from passport.audit.operations import record_event
from passport.auth.models import Role
from passport.formatting import uk_date, uk_date_time
from passport.passports.models import OpeningKind, ShareOpening
from tests.conftest import sign_in
from tests.support.credential_factories import issue, nurse_with_passport, share_of
from tests.support.factories import UserFactory
from tests.support.secondment_factories import make_world, propose

WINTER = datetime(2026, 12, 2, 14, 5, 9, tzinfo=UTC)  # GMT: UK time is UTC
SUMMER = datetime(2026, 7, 1, 9, 5, tzinfo=UTC)  # BST: UK time is an hour ahead

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
# Any other way of writing a date or a time that a person could meet on a page.
OTHER_FORMATS = re.compile(
    rf"\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"  # 02/12/2026
    rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b"  # 2026-12-02
    rf"|\b0\d (?:{MONTHS})\b"  # 02 December
    rf"|\b\d{{1,2}} (?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b"  # 2 Dec
    rf"|\bUTC\b"
)
TIME_ELEMENT = re.compile(r'<time datetime="([^"]*)">([^<]*)</time>')
ISO_DAY_OR_MOMENT = re.compile(r"^\d{4}-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}:\d{2}Z)?)?$")
UK_DAY = re.compile(rf"^[1-9]\d? (?:{MONTHS}) \d{{4}}(?: at \d{{2}}:\d{{2}})?$|^(?:{MONTHS}) \d{{4}}$")


def visible_text(page: str) -> str:
    """What a person reads: no tags or attributes, and no <pre>, <script> or <style> (the signed JSON of a
    credential is shown as it is, for machines)."""
    page = re.sub(r"<(pre|script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def assert_dates_read_one_way(page: str) -> None:
    text = visible_text(page)
    assert OTHER_FORMATS.findall(text) == [], text
    for machine, person in TIME_ELEMENT.findall(page):
        assert ISO_DAY_OR_MOMENT.match(machine), machine
        assert UK_DAY.match(person), person


def test_the_scan_of_a_page_catches_what_it_is_for():
    for written in ("02/12/2026", "2026-12-02", "02 December 2026", "2 Dec 2026", "14:05 UTC"):
        with pytest.raises(AssertionError):
            assert_dates_read_one_way(f"<p>Shared {written}</p>")
    with pytest.raises(AssertionError):
        assert_dates_read_one_way('<time datetime="2026-12-02">02/12/2026</time>')
    assert_dates_read_one_way(
        '<p>Shared <time datetime="2026-12-02T14:05:09Z">2 December 2026 at 14:05</time>, 100%, '
        "12 staff, 1/3 done</p><pre>2026-12-02T14:05:09Z</pre>"
    )


def test_audit_log_times_are_uk_time(client, session, demo_trusts):
    own = demo_trusts[0]
    hr = UserFactory(role=Role.HR, trust=own)
    for moment in (WINTER, SUMMER):
        event = record_event(
            session, actor=hr, action="job.fit_checked", record_type="job_version", trust_id=own.id
        )
        event.occurred_at = moment  # set before its first flush: audit events are never changed after
    session.flush()
    sign_in(client, hr)
    page = client.get("/audit").get_data(as_text=True)
    text = visible_text(page)
    assert "Times are UK time." in text
    assert '<time datetime="2026-12-02T14:05:09Z">2 December 2026 at 14:05</time>' in page
    assert '<time datetime="2026-07-01T09:05:00Z">1 July 2026 at 10:05</time>' in page  # BST
    assert_dates_read_one_way(page)


def test_shares_list_dates(client, session, demo_trusts):
    user, member = nurse_with_passport(demo_trusts[0])
    share, _token = share_of(member, [issue(demo_trusts[0], member, "dbs-check")], receiving=demo_trusts[1])
    share.created_at = WINTER
    share.expires_at = datetime.now(UTC) + timedelta(days=2)
    session.add(
        ShareOpening(share=share, kind=OpeningKind.OPENED, who="HR at another trust", occurred_at=SUMMER)
    )
    session.flush()
    sign_in(client, user)
    page = client.get("/passport/shares").get_data(as_text=True)
    text = visible_text(page)
    assert "Shared 2 December 2026 at 14:05" in text
    assert f"Works until {uk_date_time(share.expires_at)}" in text
    assert "1 July 2026 at 10:05 Opened" in text
    assert_dates_read_one_way(page)


def test_credential_page_dates(client, session, demo_trusts):
    user, member = nurse_with_passport(demo_trusts[0])
    credential = issue(demo_trusts[0], member, "dbs-check")
    sign_in(client, user)
    page = client.get(f"/credentials/{credential.id}").get_data(as_text=True)
    text = visible_text(page)
    assert f"Issued {uk_date_time(credential.issued_at)}" in text
    assert f"Valid from {uk_date(credential.valid_from)}" in text
    assert_dates_read_one_way(page)
    passport = client.get("/passport").get_data(as_text=True)
    assert_dates_read_one_way(passport)


def test_secondments_list_dates(client, session):
    world = make_world(session)
    propose(session, world, today=date(2026, 11, 2), start=30, days=120)  # 2 December 2026 to 1 April 2027
    sign_in(client, world.home_hr)
    page = client.get("/secondments").get_data(as_text=True)
    assert '<time datetime="2026-12-02">2 December 2026</time>' in page
    assert "2 December 2026 to 1 April 2027" in visible_text(page)
    assert_dates_read_one_way(page)
