"""Secondment pages (issue 19): a step that ends a secondment for good (decline, cancel, end early,
complete) asks first on a page naming the nurse, the trusts and what will happen, and is taken only
with that page's confirmed=yes; and every date the pages ask for is the NHS.UK date input, its errors
shown the NHS.UK way (summary linking to the day box, message on the field, what was typed kept)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from passport.secondments.models import Secondment
from passport.workforce.models import Assignment
from tests.conftest import sign_in
from tests.support.secondment_factories import active, agreed, make_world, propose

TODAY = date.today()  # the pages take today's date


@pytest.fixture
def world(session):  # type: ignore[no-untyped-def]
    return make_world(session)


def _as(client, user):  # type: ignore[no-untyped-def]
    client.post("/sign-out")
    sign_in(client, user)
    return client


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _parts(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def _links(page: str, anchor: str, message: str) -> bool:
    """The error summary has a link to ``anchor`` reading ``message``."""
    return re.search(rf'href="#{re.escape(anchor)}">\s*{re.escape(message)}', page) is not None


def _status(session, secondment) -> str:  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(Secondment, secondment.id).status


# --- Confirmation pages ------------------------------------------------------------------------------


def test_cancelling_asks_first_and_a_post_without_confirmation_changes_nothing(client, world, session):
    secondment = propose(session, world, today=TODAY)
    _as(client, world.host_hr)
    detail, url = f"/secondments/{secondment.id}", f"/secondments/{secondment.id}/steps/cancel"
    page = _text(client.get(detail))
    assert f'href="{url}"' in page and 'name="step" value="cancel"' not in page

    answer = client.get(url)
    page = _text(answer)
    assert answer.status_code == 200
    assert "<h1>Cancel the secondment of Ada Okafor to Host RPG?</h1>" in page
    assert "it is cancelled before it starts: no assignment is made at Host RPG" in page
    assert "A cancelled secondment cannot be reopened. To go ahead later, propose a new secondment." in page
    assert '<input type="hidden" name="confirmed" value="yes">' in page and "nhsuk-button--warning" in page
    assert f'href="{detail}">No, keep the secondment</a>' in page and 'name="note"' in page

    # The old one-click form and a POST of the page without its answer: sent to the page, nothing changed.
    for posted in (
        client.post(f"{detail}/steps", data={"step": "cancel"}),
        client.post(url, data={"note": "x"}),
    ):
        assert posted.status_code == 302 and posted.headers["Location"].endswith(url)
    assert _status(session, secondment) == "proposed"

    done = client.post(url, data={"confirmed": "yes", "note": "The ward closed."})
    assert done.status_code == 302 and done.headers["Location"].endswith(detail)
    assert _status(session, secondment) == "cancelled"
    page = _text(client.get(detail))
    assert "Cancelled. The secondment is now cancelled." in page and "The ward closed." in page
    gone = client.get(url)
    assert gone.status_code == 409 and "cannot be cancelled" in _text(gone)


def test_home_hr_and_the_nurse_each_confirm_declining(client, world, session):
    first = propose(session, world, today=TODAY)
    _as(client, world.home_hr)
    page = _text(client.get(f"/secondments/{first.id}/steps/decline"))
    assert "<h1>Decline the secondment of Ada Okafor to Host RPG?</h1>" in page
    assert "RV5 declines it: it will not go ahead, and Ada Okafor stays in post at Home RV5 as now" in page
    assert "HR of Host RPG and Ada Okafor are told." in page
    assert client.post(f"/secondments/{first.id}/steps/decline").status_code == 302
    assert _status(session, first) == "proposed"
    assert client.post(f"/secondments/{first.id}/steps/decline", data={"confirmed": "yes"}).status_code == 302
    assert _status(session, first) == "declined"

    second = propose(session, world, today=TODAY)
    _as(client, world.nurse_user)
    url = f"/secondments/{second.id}/steps/refuse"
    page = _text(client.get(url))
    assert "<h1>Decline the secondment to Host RPG?</h1>" in page
    assert "you decline it: it will not go ahead, and you stay in your post at Home RV5 as now" in page
    assert "You cannot change your mind once it is declined" in page
    assert client.post(f"/secondments/{second.id}/steps", data={"step": "refuse"}).status_code == 302
    assert _status(session, second) == "proposed"
    assert client.post(url, data={"confirmed": "yes"}).status_code == 302
    assert _status(session, second) == "declined"


def test_a_step_not_yours_or_not_possible_now_has_no_confirmation_page(client, world, session):
    secondment = active(session, world, today=TODAY - timedelta(days=20), start=10, days=100)
    base = f"/secondments/{secondment.id}/steps"
    _as(client, world.nurse_user)
    assert client.get(f"{base}/end_early").status_code == 403  # only the trusts end it
    _as(client, world.host_hr)
    too_soon = client.get(f"{base}/complete")
    assert too_soon.status_code == 409 and "to stop it sooner, end it early" in _text(too_soon)
    assert client.get(f"{base}/cancel").status_code == 409  # it has started
    assert client.get(f"{base}/approve").status_code == 404  # not a step that asks first
    _as(client, world.third_hr)
    assert client.get(f"{base}/end_early").status_code == 403
    assert client.post(f"{base}/end_early", data={"confirmed": "yes"}).status_code == 403
    assert _status(session, secondment) == "active"


def test_ending_early_asks_for_the_last_day_with_nhs_date_errors(client, world, session):
    secondment = active(session, world, today=TODAY - timedelta(days=20), start=10, days=100)
    url = f"/secondments/{secondment.id}/steps/end_early"
    _as(client, world.host_hr)
    page = _text(client.get(url))
    assert "<h1>End the secondment of Ada Okafor at Host RPG early?</h1>" in page
    assert f"Ada Okafor's assignment at Host RPG ({secondment.assignment_number}) ends on that day" in page
    assert "An ended secondment cannot be restarted or extended." in page
    for part in ("day", "month", "year"):
        assert f'id="ended_on-{part}" name="ended_on-{part}"' in page
    assert 'type="date"' not in page

    early = secondment.start_date - timedelta(days=1)
    bad = {
        "Enter the last day at the host trust": _parts("ended_on", "", "", ""),
        "Last day at the host trust must be a real date": _parts("ended_on", "31", "2", "2027"),
        "The last day cannot be before the secondment started": _parts(
            "ended_on", str(early.day), str(early.month), str(early.year)
        ),
    }
    for message, parts in bad.items():
        answer = client.post(url, data={"confirmed": "yes", "note": "Kept note", **parts})
        page = _text(answer)
        assert answer.status_code == 422 and "<title>Error: " in page, message
        assert "There is a problem" in page and _links(page, "ended_on-day", message)
        assert "nhsuk-date-input" in page and "nhsuk-form-group--error" in page
        for name, value in parts.items():
            assert f'name="{name}" type="text" value="{value}"' in page  # kept as typed
        assert "Kept note" in page
        assert _status(session, secondment) == "active"

    last = TODAY - timedelta(days=1)
    done = client.post(
        url, data={"confirmed": "yes", **_parts("ended_on", str(last.day), str(last.month), str(last.year))}
    )
    assert done.status_code == 302
    assert _status(session, secondment) == "ended_early"
    host_assignment = session.get(Assignment, secondment.host_assignment_id)
    assert host_assignment.end_date == last and host_assignment.leaving_reason is None


def test_recording_complete_asks_first(client, world, session):
    secondment = active(session, world, today=TODAY - timedelta(days=100), start=10, days=60)
    url = f"/secondments/{secondment.id}/steps/complete"
    _as(client, world.home_hr)
    page = _text(client.get(url))
    assert "<h1>Record the secondment of Ada Okafor at Host RPG as complete?</h1>" in page
    assert "the service would record this by itself the day after the end date" in page
    assert "A completed secondment cannot be reopened or extended." in page
    assert client.post(f"/secondments/{secondment.id}/steps", data={"step": "complete"}).status_code == 302
    assert _status(session, secondment) == "active"
    assert client.post(url, data={"confirmed": "yes"}).status_code == 302
    assert _status(session, secondment) == "completed"


# --- Dates: the NHS.UK date input and its errors ------------------------------------------------------


def _proposal(world, **dates: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "staff_email": world.nurse.email,
        "job_version_id": str(world.version.id),
        "fte": "0.6",
        "recharge_percent": "100",
        "reason": "Community team cover.",
        **dates,
    }


def test_the_proposal_dates_show_nhs_errors_for_empty_impossible_and_wrong_order(client, world, session):
    _as(client, world.host_hr)
    page = _text(client.get("/secondments/new"))
    assert 'id="start_date-day" name="start_date-day"' in page and 'type="date"' not in page
    year = str(TODAY.year + 1)
    cases = [
        ({}, {"start_date": "Enter the start date", "end_date": "Enter the end date"}),
        (
            {**_parts("start_date", "31", "2", year), **_parts("end_date", "30", "4", year)},
            {"start_date": "Start date must be a real date"},
        ),
        (
            {**_parts("start_date", "1", "6", year), **_parts("end_date", "1", "5", year)},
            {"end_date": "The end date must be on or after the start date."},
        ),
    ]
    for dates, errors in cases:
        answer = client.post("/secondments/new", data=_proposal(world, **dates))
        page = _text(answer)
        assert answer.status_code == 422 and "There is a problem" in page, errors
        for field, message in errors.items():
            assert _links(page, f"{field}-day", message)
            assert f'id="{field}-error"' in page  # the message on the field
        assert 'value="Community team cover."' in page or "Community team cover." in page
        for name, value in dates.items():
            assert f'name="{name}" type="text" value="{value}"' in page  # kept as typed
    assert session.scalars(select(Secondment)).first() is None


def test_the_extension_date_shows_nhs_errors_linked_to_its_own_boxes(client, world, session):
    secondment = agreed(session, world, today=TODAY)
    _as(client, world.host_hr)
    detail = f"/secondments/{secondment.id}"
    page = _text(client.get(detail))
    assert 'id="request_extension-new_end_date-day"' in page and 'type="date"' not in page
    end = secondment.end_date
    before = end - timedelta(days=3)
    cases = {
        "Enter the new end date": _parts("new_end_date", "", "", ""),
        "New end date must be a real date": _parts("new_end_date", "31", "2", str(end.year + 1)),
        "The new end date must be after the current end date": _parts(
            "new_end_date", str(before.day), str(before.month), str(before.year)
        ),
    }
    for message, parts in cases.items():
        answer = client.post(f"{detail}/steps", data={"step": "request_extension", **parts})
        page = _text(answer)
        assert answer.status_code == 422 and message in page, message
        assert _links(page, "request_extension-new_end_date-day", message)
        assert 'id="request_extension-new_end_date-error"' in page
        if parts["new_end_date-day"]:
            assert f'value="{parts["new_end_date-day"]}"' in page
    session.expire_all()
    assert session.get(Secondment, secondment.id).pending_end_date is None


def test_the_list_filters_take_nhs_dates(client, world, session):
    propose(session, world, today=TODAY)  # runs from TODAY + 30 for 180 days
    _as(client, world.home_hr)
    page = _text(client.get("/secondments"))
    assert 'id="on_or_after-day" name="on_or_after-day"' in page and 'type="date"' not in page
    later = TODAY + timedelta(days=400)
    after = _parts("on_or_after", str(later.day), str(later.month), str(later.year))
    assert "No secondments match" in _text(client.get("/secondments", query_string=after))
    soon = TODAY + timedelta(days=60)
    found = _text(
        client.get(
            "/secondments", query_string=_parts("on_or_after", str(soon.day), str(soon.month), str(soon.year))
        )
    )
    assert "1 secondment," in found
    assert "1 secondment," in _text(client.get(f"/secondments?on_or_after={soon.isoformat()}"))  # as linked

    bad = client.get("/secondments", query_string=_parts("on_or_after", "31", "2", "2027"))
    page = _text(bad)
    assert bad.status_code == 422 and "<title>Error: " in page
    assert _links(page, "on_or_after-day", "Running on or after must be a real date")
    assert (
        'name="on_or_after-day" type="text" value="31"' in page and "Download these secondments" not in page
    )
    assert (
        client.get("/secondments/export.csv", query_string=_parts("on_or_before", "1", "", "")).status_code
        == 400
    )
