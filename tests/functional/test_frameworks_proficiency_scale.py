"""The page to edit a framework's proficiency scale (issue 16): through HTTP, with the database read back
after every change. Plain forms (no JavaScript), each answered by a redirect; bad input gets the NHS.UK
error pattern and writes nothing; a level that sign-offs record keeps its code and stays on the scale."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from competencies.frameworks.models import (
    FrameworkItem,
    FrameworkVersion,
    ProficiencyLevel,
    ProficiencyScale,
    SignOff,
)
from passport.audit.models import AuditEvent
from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.framework_factories import FrameworkFactory, imported_framework

BENNER = ["novice", "advanced_beginner", "competent", "proficient", "expert"]


# --- Helpers --------------------------------------------------------------------------------------------


def _levels(session, framework_id: int) -> list[tuple[int, int, str, str, str | None]]:  # type: ignore[no-untyped-def]
    """The scale's levels as stored now (id, position, code, label, description), lowest first."""
    return [
        tuple(row)
        for row in session.execute(
            select(
                ProficiencyLevel.id,
                ProficiencyLevel.position,
                ProficiencyLevel.code,
                ProficiencyLevel.label,
                ProficiencyLevel.description,
            )
            .join(ProficiencyScale, ProficiencyScale.id == ProficiencyLevel.scale_id)
            .where(ProficiencyScale.framework_id == framework_id)
            .order_by(ProficiencyLevel.position, ProficiencyLevel.id)
        )
    ]


def _codes(session, framework_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    rows = _levels(session, framework_id)
    assert [row[1] for row in rows] == list(range(1, len(rows) + 1)), f"positions not 1..n: {rows}"
    return [row[2] for row in rows]


def _level_id(session, framework_id: int, code: str) -> int:  # type: ignore[no-untyped-def]
    return next(row[0] for row in _levels(session, framework_id) if row[2] == code)


def _title(session, framework_id: int) -> str | None:  # type: ignore[no-untyped-def]
    return session.scalar(select(ProficiencyScale.title).where(ProficiencyScale.framework_id == framework_id))


def _audit_count(session) -> int:  # type: ignore[no-untyped-def]
    return session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("framework.scale_%"))
    )


def _snapshot(session, framework_id: int) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    return _title(session, framework_id), _levels(session, framework_id), _audit_count(session)


class _Page(HTMLParser):
    """What a test needs of a page: headings in order, each button's accessible text, the labels' targets,
    the form controls' ids and values, and the error summary's links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.headings: list[tuple[str, str]] = []
        self.buttons: list[str] = []
        self.label_for: set[str] = set()
        self.controls: dict[str, str] = {}  # id -> value (a textarea's text)
        self.summary_links: list[tuple[str, str]] = []
        self.error_messages: dict[str, str] = {}
        self._open: list[list] = []  # type: ignore[type-arg]
        self._in_summary = 0
        self._in_main = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "main":
            self._in_main = True
        if tag in ("h1", "h2", "h3", "h4", "button", "textarea", "a", "span"):
            self._open.append([tag, a, ""])
        if tag == "div" and "nhsuk-error-summary" in (a.get("class") or ""):
            self._in_summary = 1
        elif tag == "div" and self._in_summary:
            self._in_summary += 1
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select") and a.get("type") not in ("hidden", "submit"):
            self.controls[a["id"]] = a.get("value") or ""

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        for entry in self._open:
            entry[2] += data

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "main":
            self._in_main = False
        if tag == "div" and self._in_summary:
            self._in_summary -= 1
        if not self._open or self._open[-1][0] != tag:
            return
        name, attrs, text = self._open.pop()
        text = " ".join(text.split())
        if tag in ("h1", "h2", "h3", "h4") and self._in_main:
            self.headings.append((tag, text))
        elif tag == "button":
            self.buttons.append(text)
        elif tag == "textarea":
            self.controls[attrs["id"]] = text
        elif tag == "a" and self._in_summary:
            self.summary_links.append((attrs.get("href") or "", text))
        elif tag == "span" and "nhsuk-error-message" in (attrs.get("class") or ""):
            self.error_messages[attrs.get("id") or ""] = text.removeprefix("Error:").strip()


def _as(app, user):  # type: ignore[no-untyped-def]
    """A browser of its own, signed in as ``user``."""
    client = app.test_client()
    sign_in(client, user)
    return client


def _page(client, framework) -> _Page:  # type: ignore[no-untyped-def]
    response = client.get(_url(framework))
    assert response.status_code == 200, response.status_code
    return _Page(response.get_data(as_text=True))


def _url(framework, tail: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/frameworks/{framework.identifier}/proficiency-scale{tail}"


def _posted(response, framework, level_id: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """POST-redirect-GET: back to the page (at the level, when there is one)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    anchor = f"#level-{level_id}" if level_id else ""
    assert response.headers["Location"] == _url(framework) + anchor


@pytest.fixture
def trusts(demo_trusts):  # type: ignore[no-untyped-def]
    return demo_trusts


@pytest.fixture
def own_framework(session, trusts):  # type: ignore[no-untyped-def]
    """A framework of RPG's own, published, with the default scale (Benner's five stages)."""
    return imported_framework(
        session, owner_trust_id=trusts[0].id, title="Oxleas mental health nursing"
    ).framework


@pytest.fixture
def hr(client, session, trusts):  # type: ignore[no-untyped-def]
    user = UserFactory(role=Role.HR, trust=trusts[0])
    sign_in(client, user)
    return user


def _sign_offs(
    session, version: FrameworkVersion, trust, code: str, count: int, *, withdrawn: int = 0
) -> None:  # type: ignore[no-untyped-def]
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    assessor = UserFactory(role=Role.ASSESSOR, trust=trust)
    nurse = StaffMemberFactory(trust=trust)
    for number in range(count):
        session.add(
            SignOff(
                identifier=str(uuid.uuid4()),
                assessor_id=assessor.id,
                assessor_trust_id=trust.id,
                staff_member_id=nurse.id,
                item_id=item.id,
                version_id=version.id,
                proficiency_level=code,
                method="observation",
                outcome="competent",
                assessed_on=date(2026, 1, 5),
                review_on=date(2027, 1, 5),
                withdrawn_at=datetime(2026, 2, 1, tzinfo=UTC) if number < withdrawn else None,
            )  # fmt: skip
        )
    session.flush()


# --- The link from the framework's page -----------------------------------------------------------------


def test_the_framework_page_links_its_managers_to_the_scale_page(app, session, trusts, own_framework):
    shared = imported_framework(session, title="Partnership framework").framework
    bare = FrameworkFactory(owner_trust=trusts[0], title="No scale yet")
    edit = f'<a href="{_url(own_framework)}">Edit proficiency scale</a>'

    client = _as(app, UserFactory(role=Role.HR, trust=trusts[0]))
    assert edit in client.get(f"/frameworks/{own_framework.identifier}").get_data(as_text=True)
    shared_page = client.get(f"/frameworks/{shared.identifier}").get_data(as_text=True)
    assert "proficiency-scale" not in shared_page and "Novice" in shared_page  # HR may not edit shared ones
    bare_page = client.get(f"/frameworks/{bare.identifier}").get_data(as_text=True)
    assert f'<a href="{_url(bare)}">Add a proficiency scale</a>' in bare_page
    assert "This framework has no proficiency scale yet." in bare_page

    client = _as(app, UserFactory(role=Role.ADMIN, trust=None))
    assert f'<a href="{_url(shared)}">Edit proficiency scale</a>' in client.get(
        f"/frameworks/{shared.identifier}"
    ).get_data(as_text=True)

    for role in (Role.NURSE, Role.ASSESSOR, Role.DIRECTOR):
        client = _as(app, UserFactory(role=role, trust=trusts[0]))
        assert "proficiency-scale" not in client.get(f"/frameworks/{own_framework.identifier}").get_data(
            as_text=True
        )
    client = _as(app, UserFactory(role=Role.HR, trust=trusts[1]))  # another trust's HR
    assert "proficiency-scale" not in client.get(f"/frameworks/{own_framework.identifier}").get_data(
        as_text=True
    )


# --- The page ------------------------------------------------------------------------------------------


def test_the_page_shows_the_title_and_the_levels_in_order_with_labelled_controls(
    client, session, hr, own_framework
):
    page = _page(client, own_framework)
    stored = _levels(session, own_framework.id)
    assert [row[2] for row in stored] == BENNER
    assert page.headings == [
        ("h1", "Edit proficiency scale"),
        ("h2", "Levels, lowest first"),
        *[("h3", f"Level {position}: {label}") for _, position, _, label, _ in stored],
        ("h2", "Add a level"),
    ]
    assert page.controls["scale-title"] == "Benner's stages of clinical competence"
    for level_id, _, code, label, description in stored:
        assert page.controls[f"level-{level_id}-code"] == code
        assert page.controls[f"level-{level_id}-label"] == label
        assert page.controls[f"level-{level_id}-description"] == description
    assert set(page.controls) <= page.label_for  # every control has its label
    assert {"new-level-code", "new-level-label", "new-level-description"} <= set(page.controls)
    # Moves are labelled with their level; the lowest does not move down further, nor the highest up.
    moves = [text for text in page.buttons if text.startswith("Move")]
    assert moves == [
        "Move Novice down",
        "Move Advanced beginner up", "Move Advanced beginner down",
        "Move Competent up", "Move Competent down",
        "Move Proficient up", "Move Proficient down",
        "Move Expert up",
    ]  # fmt: skip
    assert [text for text in page.buttons if text.startswith("Remove")] == [
        f"Remove {row[3]}" for row in stored
    ]
    assert page.summary_links == []


def test_add_a_scale_then_levels_and_put_them_in_order(client, session, hr, trusts):
    bare = FrameworkFactory(owner_trust=trusts[0], title="No scale yet")
    page = _page(client, bare)
    assert ("h1", "Add a proficiency scale") in page.headings and "Add scale" in page.buttons
    assert "Add level" not in page.buttons  # levels come once there is a scale
    assert (
        client.post(_url(bare, "/levels"), data={"new-level-code": "x", "new-level-label": "X"}).status_code
        == 404
    )

    _posted(client.post(_url(bare), data={"scale-title": "  Ward skills  "}), bare)
    assert _title(session, bare.id) == "Ward skills" and _levels(session, bare.id) == []
    for code, label in (("supervised", "Supervised"), ("independent", "Independent"), ("teaches", "Teaches")):
        response = client.post(
            _url(bare, "/levels"),
            data={
                "new-level-code": code,
                "new-level-label": label,
                "new-level-description": f"{label} work.",
            },
        )
        _posted(response, bare, _level_id(session, bare.id, code))
    assert _codes(session, bare.id) == ["supervised", "independent", "teaches"]

    teaches = _level_id(session, bare.id, "teaches")
    _posted(client.post(_url(bare, f"/levels/{teaches}/move"), data={"direction": "up"}), bare, teaches)
    assert _codes(session, bare.id) == ["supervised", "teaches", "independent"]
    _posted(client.post(_url(bare, f"/levels/{teaches}/move"), data={"direction": "up"}), bare, teaches)
    assert _codes(session, bare.id) == ["teaches", "supervised", "independent"]
    _posted(client.post(_url(bare, f"/levels/{teaches}/move"), data={"direction": "down"}), bare, teaches)
    assert _codes(session, bare.id) == ["supervised", "teaches", "independent"]

    shown = client.get(_url(bare))
    html = shown.get_data(as_text=True)
    assert "Teaches moved down: it is now level 2 of the scale." in html
    assert [h for h in _Page(html).headings if h[0] == "h3"] == [
        ("h3", "Level 1: Supervised"), ("h3", "Level 2: Teaches"), ("h3", "Level 3: Independent")
    ]  # fmt: skip
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("framework.scale_%")).order_by(AuditEvent.id)
    ).all()
    assert (
        actions
        == ["framework.scale_created"]
        + ["framework.scale_level_added"] * 3
        + ["framework.scale_level_moved"] * 3
    )


def test_change_the_title_and_a_level_then_remove_one(client, session, hr, own_framework):
    _posted(client.post(_url(own_framework), data={"scale-title": "Stages of practice"}), own_framework)
    assert _title(session, own_framework.id) == "Stages of practice"

    expert = _level_id(session, own_framework.id, "expert")
    form = {
        f"level-{expert}-code": "expert_practitioner",
        f"level-{expert}-label": "Expert practitioner",
        f"level-{expert}-description": "Leads practice and teaches others.",
    }
    _posted(client.post(_url(own_framework, f"/levels/{expert}"), data=form), own_framework, expert)
    assert _levels(session, own_framework.id)[-1] == (
        expert, 5, "expert_practitioner", "Expert practitioner", "Leads practice and teaches others."
    )  # fmt: skip
    change = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "framework.scale_level_changed")
    ).one()
    assert change.details["changes"]["code"] == {"from": "expert", "to": "expert_practitioner"}
    assert change.trust_id == own_framework.owner_trust_id

    novice = _level_id(session, own_framework.id, "novice")
    _posted(client.post(_url(own_framework, f"/levels/{novice}/move"), data={"direction": "down"}),
            own_framework, novice)  # fmt: skip
    assert _codes(session, own_framework.id) == [
        "advanced_beginner", "novice", "competent", "proficient", "expert_practitioner"
    ]  # fmt: skip

    proficient = _level_id(session, own_framework.id, "proficient")
    _posted(client.post(_url(own_framework, f"/levels/{proficient}/remove")), own_framework)
    assert _codes(session, own_framework.id) == [
        "advanced_beginner",
        "novice",
        "competent",
        "expert_practitioner",
    ]
    assert session.get(ProficiencyLevel, proficient, populate_existing=True) is None
    assert "Proficient removed from the scale." in client.get(_url(own_framework)).get_data(as_text=True)


# --- Bad input: the NHS.UK error pattern, and nothing written ---------------------------------------------


LONG = "a" * 65
TOO_LONG_LABEL = "The label must be 200 characters or fewer"


@pytest.mark.parametrize(
    ("target", "typed", "errors"),
    [
        ("title", {"title": "   "}, {"title": "Enter the scale title"}),
        ("title", {"title": "T" * 201}, {"title": "The scale title must be 200 characters or fewer"}),
        ("new", {"code": "", "label": "Leads", "description": "Kept"}, {"code": "Enter a code"}),
        ("new", {"code": "leads", "label": " ", "description": ""}, {"label": "Enter a label"}),
        ("new", {"code": "", "label": ""}, {"code": "Enter a code", "label": "Enter a label"}),
        ("new", {"code": LONG, "label": "Leads"}, {"code": "The code must be 64 characters or fewer"}),
        ("new", {"code": "leads", "label": "L" * 201}, {"label": TOO_LONG_LABEL}),
        ("new", {"code": "competent", "label": "Competent again"},
         {"code": "Another level of this scale has the code competent; choose a different code"}),
        ("new", {"code": "Level 6", "label": "Leads"},
         {"code": "The code must use only lower-case letters, numbers and underscores, like "
                  "advanced_beginner"}),
        ("new", {"code": "leads", "label": "Leads", "description": "d" * 2001},
         {"description": "The description must be 2,000 characters or fewer"}),
        ("novice", {"code": "expert", "label": "Novice", "description": ""},
         {"code": "Another level of this scale has the code expert; choose a different code"}),
        ("novice", {"code": "novice", "label": "", "description": "Still here"}, {"label": "Enter a label"}),
        ("novice", {"code": LONG, "label": "N" * 201, "description": "d" * 2001},
         {"code": "The code must be 64 characters or fewer", "label": TOO_LONG_LABEL,
          "description": "The description must be 2,000 characters or fewer"}),
    ],
)  # fmt: skip
def test_bad_input_is_shown_with_the_error_pattern_and_writes_nothing(
    client, session, hr, own_framework, target, typed, errors
):
    if target == "title":
        prefix, url = "scale", _url(own_framework)
    elif target == "new":
        prefix, url = "new-level", _url(own_framework, "/levels")
    else:
        level = _level_id(session, own_framework.id, target)
        prefix, url = f"level-{level}", _url(own_framework, f"/levels/{level}")
    before = _snapshot(session, own_framework.id)
    assert len(before[1]) == 5

    response = client.post(url, data={f"{prefix}-{name}": value for name, value in typed.items()})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: " in html
    page = _Page(html)
    assert page.summary_links == [(f"#{prefix}-{name}", message) for name, message in errors.items()]
    for name, message in errors.items():
        assert page.error_messages[f"{prefix}-{name}-error"] == message  # the field marked with its message
    for name, value in typed.items():
        assert page.controls[f"{prefix}-{name}"] == value  # what was typed is kept, as typed
    assert _snapshot(session, own_framework.id) == before


def test_moving_past_either_end_is_refused_and_moves_nothing(client, session, hr, own_framework):
    before = _snapshot(session, own_framework.id)
    novice, expert = (_level_id(session, own_framework.id, code) for code in ("novice", "expert"))
    for level, direction, message in (
        (novice, "up", "Novice is already the first level, so it cannot move up."),
        (expert, "down", "Expert is already the last level, so it cannot move down."),
        (novice, "sideways", "Choose to move the level up or down."),
    ):
        response = client.post(_url(own_framework, f"/levels/{level}/move"), data={"direction": direction})
        assert response.status_code == 422
        page = _Page(response.get_data(as_text=True))
        assert page.summary_links == [(f"#level-{level}", message)]
        assert page.error_messages[f"level-{level}-error"] == message
    assert _snapshot(session, own_framework.id) == before


# --- Levels that sign-offs record ---------------------------------------------------------------------------


def test_a_level_sign_offs_record_keeps_its_code_and_stays_on_the_scale(
    client, session, hr, trusts, own_framework
):
    version = own_framework.versions[0]
    _sign_offs(session, version, trusts[0], "competent", 3, withdrawn=1)  # withdrawn ones still name it
    other = imported_framework(session, owner_trust_id=trusts[0].id, title="Another framework")
    _sign_offs(session, other, trusts[0], "proficient", 2)  # another framework's: no bearing on this one
    competent = _level_id(session, own_framework.id, "competent")
    recorded = session.scalar(
        select(func.count()).select_from(SignOff).where(
            SignOff.version_id == version.id, SignOff.proficiency_level == "competent"
        )
    )  # fmt: skip
    assert recorded == 3
    before = _snapshot(session, own_framework.id)
    assert [row[2] for row in before[1]] == BENNER

    page = client.get(_url(own_framework)).get_data(as_text=True)
    assert (
        "Recorded in 3 sign-offs of this framework, so its code (competent) and label stay as they are "
        "and it cannot be removed." in page
    )

    removal = client.post(_url(own_framework, f"/levels/{competent}/remove"))
    message = "Competent cannot be removed: 3 sign-offs of this framework record this level."
    assert removal.status_code == 409
    refused = _Page(removal.get_data(as_text=True))
    assert refused.summary_links == [(f"#level-{competent}", message)]
    assert refused.error_messages[f"level-{competent}-error"] == message
    assert _snapshot(session, own_framework.id) == before  # still there, same id, same place

    recode = {f"level-{competent}-code": "competent_practitioner", f"level-{competent}-label": "Competent",
              f"level-{competent}-description": "Changed too"}  # fmt: skip
    response = client.post(_url(own_framework, f"/levels/{competent}"), data=recode)
    assert response.status_code == 409
    refused = _Page(response.get_data(as_text=True))
    assert refused.summary_links == [
        (
            f"#level-{competent}-code",
            "The code of Competent cannot change: 3 sign-offs of this framework record the level by its "
            "code, competent. You can still change its description and place.",
        )
    ]
    assert refused.controls[f"level-{competent}-code"] == "competent_practitioner"
    assert _snapshot(session, own_framework.id) == before

    novice = _level_id(session, own_framework.id, "novice")
    _sign_offs(session, version, trusts[0], "novice", 1)
    one = client.post(_url(own_framework, f"/levels/{novice}/remove"))
    assert one.status_code == 409
    assert _Page(one.get_data(as_text=True)).summary_links == [
        (f"#level-{novice}", "Novice cannot be removed: 1 sign-off of this framework records this level.")
    ]
    assert _snapshot(session, own_framework.id) == before

    # Its label stays too: the credentials issued from those sign-offs name the level by it.
    relabel = {
        **recode,
        f"level-{competent}-code": "competent",
        f"level-{competent}-label": "Competent nurse",
    }
    response = client.post(_url(own_framework, f"/levels/{competent}"), data=relabel)
    assert response.status_code == 409
    assert _Page(response.get_data(as_text=True)).summary_links == [
        (
            f"#level-{competent}-label",
            "The label of Competent cannot change: the credentials issued from 3 sign-offs of this framework "
            "name the level by its label. You can still change its description and place.",
        )
    ]
    assert _snapshot(session, own_framework.id) == before

    # Its description and place can change.
    described = {**recode, f"level-{competent}-code": "competent"}
    _posted(
        client.post(_url(own_framework, f"/levels/{competent}"), data=described), own_framework, competent
    )
    _posted(client.post(_url(own_framework, f"/levels/{competent}/move"), data={"direction": "up"}),
            own_framework, competent)  # fmt: skip
    assert _levels(session, own_framework.id)[1] == (
        competent,
        2,
        "competent",
        "Competent",
        "Changed too",
    )

    # "proficient" is recorded only against the other framework: here it goes.
    proficient = _level_id(session, own_framework.id, "proficient")
    _posted(client.post(_url(own_framework, f"/levels/{proficient}/remove")), own_framework)
    assert _codes(session, own_framework.id) == ["novice", "competent", "advanced_beginner", "expert"]
    assert "proficient" in _codes(session, other.framework_id)


# --- Who may ------------------------------------------------------------------------------------------------


def test_only_the_frameworks_managers_see_or_change_its_scale(app, session, trusts, own_framework):
    shared = imported_framework(session, title="Partnership framework").framework
    novice = _level_id(session, own_framework.id, "novice")
    shared_novice = _level_id(session, shared.id, "novice")
    before = _snapshot(session, own_framework.id), _snapshot(session, shared.id)

    def attempts(framework, level: int):  # type: ignore[no-untyped-def]
        yield "GET", _url(framework), None
        yield "POST", _url(framework), {"scale-title": "Taken over"}
        yield "POST", _url(framework, "/levels"), {"new-level-code": "x", "new-level-label": "X"}
        yield "POST", _url(framework, f"/levels/{level}"), {
            f"level-{level}-code": "novice", f"level-{level}-label": "Renamed"
        }  # fmt: skip
        yield "POST", _url(framework, f"/levels/{level}/move"), {"direction": "down"}
        yield "POST", _url(framework, f"/levels/{level}/remove"), {}

    callers = [UserFactory(role=role, trust=trusts[0]) for role in (Role.NURSE, Role.ASSESSOR, Role.DIRECTOR)]
    other_hr = UserFactory(role=Role.HR, trust=trusts[1])
    own_hr = UserFactory(role=Role.HR, trust=trusts[0])
    cases = [(user, own_framework, novice) for user in [*callers, other_hr]]
    cases += [(user, shared, shared_novice) for user in [*callers, own_hr]]  # HR may not edit shared ones
    for user, framework, level in cases:
        client = _as(app, user)
        for method, url, data in attempts(framework, level):
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (user.roles, method, url, response.status_code)
    assert (_snapshot(session, own_framework.id), _snapshot(session, shared.id)) == before

    # The same requests from the managers do get through (so the 403s above were the policy's).
    assert _as(app, own_hr).get(_url(own_framework)).status_code == 200
    client = _as(app, UserFactory(role=Role.ADMIN, trust=None))
    _posted(client.post(_url(shared), data={"scale-title": "Taken over"}), shared)
    assert _title(session, shared.id) == "Taken over"


def test_a_level_of_another_framework_is_not_found_here(client, session, hr, trusts, own_framework):
    other = imported_framework(session, owner_trust_id=trusts[0].id, title="Another framework").framework
    foreign = _level_id(session, other.id, "novice")
    before = _snapshot(session, own_framework.id), _snapshot(session, other.id)
    assert client.post(_url(own_framework, f"/levels/{foreign}/remove")).status_code == 404
    assert (
        client.post(_url(own_framework, f"/levels/{foreign}/move"), data={"direction": "down"}).status_code
        == 404
    )
    assert (_snapshot(session, own_framework.id), _snapshot(session, other.id)) == before


def test_what_people_type_is_shown_as_text(client, session, hr, own_framework):
    hostile = '<script>alert("x")</script> & Leads'
    response = client.post(
        _url(own_framework, "/levels"),
        data={"new-level-code": "leads", "new-level-label": hostile, "new-level-description": hostile},
    )
    _posted(response, own_framework, _level_id(session, own_framework.id, "leads"))
    assert _levels(session, own_framework.id)[-1][2:] == ("leads", hostile, hostile)
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Leads"
    for url in (_url(own_framework), f"/frameworks/{own_framework.identifier}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and escaped in html
    page = _page(client, own_framework)
    assert f"Move {hostile} down" not in page.buttons and f"Move {hostile} up" in page.buttons
