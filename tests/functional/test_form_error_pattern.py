"""Every form follows the NHS.UK error pattern (issue #19).

Each form is submitted empty and with bad values; the answer must be 422 with a title starting
"Error: ", an error summary at the top of the main content whose links reach each field in error, each
field's form group marked with its message, and what was typed kept in the inputs. One row of CASES
(here and in test_form_error_pattern_more.py) is one form; a FlaskForm class nobody lists fails
``test_every_form_class_is_covered_or_excluded``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest

from passport.auth.models import Role
from tests.conftest import sign_in
from tests.support.credential_factories import issue, nurse_with_passport
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: list[tuple[str, str | None]], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, {k: v or "" for k, v in attrs}, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def iter(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def text(self) -> str:
        return " ".join(
            " ".join((c if isinstance(c, str) else c.text()).split()) for c in self.children
        ).strip()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)]

    def by_id(self, ident: str) -> Node | None:
        return next((n for n in self.iter() if n.attrs.get("id") == ident), None)

    def ancestor(self, cls: str) -> Node | None:
        node = self.parent
        while node is not None and cls not in node.classes:
            node = node.parent
        return node


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node is not self.root and node.tag != tag:
            node = node.parent
        if node is not None and node is not self.root:
            self.current = node.parent or self.root

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def typed_value(page: Node, name: str) -> list[str]:
    """What the inputs named ``name`` show: values of text boxes, textareas' text, chosen options."""
    shown = []
    for node in page.iter():
        if node.attrs.get("name") != name:
            continue
        if node.tag == "textarea":
            shown.append("".join(c for c in node.children if isinstance(c, str)).strip("\n"))
        elif node.tag == "select":
            shown += [
                o.attrs.get("value", o.text()) for o in node.find_all("option") if "selected" in o.attrs
            ]
        elif node.tag == "input" and node.attrs.get("type") in {"radio", "checkbox"}:
            if "checked" in node.attrs:
                shown.append(node.attrs.get("value", ""))
        elif node.tag == "input":
            shown.append(node.attrs.get("value", ""))
    return shown


def assert_error_pattern(response: Any, errors: dict[str, str], kept: dict[str, str] | None = None) -> None:
    """``errors``: the id each summary link reaches, and words of its message; ``kept``: input name and
    the value it must still show."""
    html = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, html[:300])
    page = parse(html)
    title = page.find_all("title")[0].text()
    assert title.startswith("Error: "), title
    main = page.by_id("maincontent")
    assert main is not None
    summaries = main.find_all("div", "nhsuk-error-summary")
    assert len(summaries) == 1, f"{len(summaries)} error summaries"
    summary = summaries[0]
    assert summary.find_all("div") and any(n.attrs.get("role") == "alert" for n in summary.iter())
    # At the top: nothing of the page's own content (a heading, a form, a field) comes before it.
    before = []
    for node in main.iter():
        if node is summary:
            break
        before.append(node)
    assert not [n.tag for n in before if n.tag in {"h1", "form", "input", "select", "textarea"}], (
        "not at the top"
    )
    links = {a.attrs.get("href", ""): a.text() for a in summary.find_all("a")}
    assert set(links) == {f"#{ident}" for ident in errors}, (links, list(errors))
    for ident, words in errors.items():
        assert words.lower() in links[f"#{ident}"].lower(), (ident, words, links[f"#{ident}"])
        target = page.by_id(ident)
        assert target is not None, f"the summary links to #{ident}, which is not on the page"
        assert target.tag in {"input", "select", "textarea"} or target.find_all("input"), (ident, target.tag)
        # A date's boxes each sit in a group of their own, inside the date input's group.
        group = (target.ancestor("nhsuk-date-input") or target).ancestor("nhsuk-form-group")
        assert group is not None and "nhsuk-form-group--error" in group.classes, (
            f"#{ident}'s group not marked"
        )
        messages = [m.text() for m in group.find_all(cls="nhsuk-error-message")]
        assert any(words.lower() in m.lower() for m in messages), (ident, words, messages)
    for name, value in (kept or {}).items():
        assert value in typed_value(page, name), (name, value, typed_value(page, name))


@dataclass(frozen=True)
class FormCase:
    """One form. ``world(session, own trust, other trust)`` makes the records it needs and answers the
    user to sign in as (None: nobody) and the values its URL names. ``base`` is sent with every
    submission (a page's hidden fields); ``empty`` and ``bad_errors`` map field ids to message words."""

    name: str
    forms: tuple[str, ...]
    url: str
    world: Callable[..., tuple[Any, dict[str, Any]]]
    empty: dict[str, str]
    bad: dict[str, Any]
    bad_errors: dict[str, str]
    kept: dict[str, str] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)
    method: str = "POST"
    files: tuple[str, ...] = ()  # fields sent as a file: the value is (bytes, file name)
    get_url: str | None = None  # the page showing the form, when not ``url``
    empty_status: int = 200  # when nothing must be typed: what an empty submission gets
    blank: tuple[str, ...] = ()  # boxes a browser sends empty when left empty (a form filled from a record)


def user_of(role: Role, *, own: bool = True) -> Callable[..., tuple[Any, dict[str, Any]]]:
    def world(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
        return UserFactory(role=role, trust=rpg if own and role != Role.ADMIN else None), {}

    return world


def anonymous(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    return None, {}


def date_boxes(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}


def filled(data: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the world's values put in for ``{names}``."""
    return {k: v.format(**values) if isinstance(v, str) and "{" in v else v for k, v in data.items()}


def submit(client: Any, case: FormCase, url: str, data: dict[str, Any]) -> Any:
    if case.method == "GET":
        return client.get(url, query_string=data)
    if case.files:
        sent = {k: (io.BytesIO(v[0]), v[1]) if k in case.files else v for k, v in data.items()}
        return client.post(url, data=sent, content_type="multipart/form-data")
    return client.post(url, data=data)


def run_case(client: Any, session: Any, demo_trusts: Any, case: FormCase) -> None:
    user, values = case.world(session, *demo_trusts)
    if user is not None:
        sign_in(client, user)
    url = case.url.format(**values)
    shown = client.get((case.get_url or case.url).format(**values))
    assert shown.status_code == 200, (case.name, shown.status_code)
    assert "nhsuk-error-summary" not in shown.get_data(as_text=True)  # nothing wrong before a submission
    base = {**dict.fromkeys(case.blank, ""), **filled(case.base, values)}
    # The bad values first: a form with nothing required does its work when sent empty.
    answer = submit(client, case, url, {**base, **filled(case.bad, values)})
    assert_error_pattern(answer, case.bad_errors, filled(case.kept, values))
    if case.empty:
        assert_error_pattern(submit(client, case, url, base), case.empty)
    else:  # nothing needs typing (a filter, an optional reason): empty is fine and shows no error
        answer = submit(client, case, url, base)
        assert answer.status_code == case.empty_status, (
            answer.status_code,
            answer.get_data(as_text=True)[:300],
        )
        assert "nhsuk-error-summary" not in answer.get_data(as_text=True)


LONG = "x" * 600


def hr_with_a_person(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    member = StaffMemberFactory(trust=rpg)
    return UserFactory(role=Role.HR, trust=rpg), {"staff": member.id}


CASES: list[FormCase] = [
    FormCase(
        "place a legal hold",
        ("passport.record_keeping.forms.PlaceHoldForm",),
        "/workforce/staff/{staff}/legal-hold",
        hr_with_a_person,
        empty={"reason": "Enter why the records are held"},
        bad={"reason": "r" * 501},
        bad_errors={"reason": "500 characters or fewer"},
        kept={"reason": "r" * 501},
    ),
    FormCase(
        "sign in",
        ("passport.auth.forms.SignInForm",),
        "/sign-in",
        anonymous,
        empty={"email": "Enter your email address", "password": "Enter your password"},
        bad={"email": "x" * 250 + "@example.test", "password": ""},
        bad_errors={"email": "too long", "password": "Enter your password"},
        kept={"email": "x" * 250 + "@example.test"},
    ),
    FormCase(
        "API token",
        ("passport.auth.forms.ApiTokenForm",),
        "/account/api-tokens",
        user_of(Role.HR),
        empty={"name": "Enter a name for the token", "days": "Choose when the token expires"},
        bad={"name": "y" * 101, "days": "90"},
        bad_errors={"name": "100 characters or fewer"},
        kept={"name": "y" * 101, "days": "90"},
    ),
    FormCase(
        "new user",
        ("passport.auth.forms.CreateUserForm",),
        "/admin/users",
        user_of(Role.ADMIN),
        empty={
            "email": "Enter an email address",
            "display_name": "Enter the person's name",
            "roles": "Choose at least one role",
            "password": "Enter a password",
        },
        bad={"email": "not-an-email", "display_name": "Ada Lovelace", "roles": ["hr"], "password": "short"},
        bad_errors={"email": "like name@trust.nhs.uk", "password": "at least"},
        kept={"email": "not-an-email", "display_name": "Ada Lovelace"},
    ),
    FormCase(
        "new trust",
        ("passport.trusts.views.CreateTrustForm",),
        "/admin/trusts",
        user_of(Role.ADMIN),
        empty={"ods_code": "Enter the ODS code", "name": "Enter the trust's name"},
        bad={"ods_code": "RPG", "name": "Oxleas again"},
        bad_errors={"ods_code": "RPG"},
        kept={"ods_code": "RPG", "name": "Oxleas again"},
    ),
    FormCase(
        "record an absence",
        ("passport.workforce.forms.AbsenceForm",),
        "/workforce/assignments/{assignment}/absences/new",
        lambda session, rpg, rv5: hr_with_assignment(rpg),
        empty={"first_day-day": "Enter the first day", "category": "Choose the kind of absence"},
        bad={
            **date_boxes("first_day", "31", "2", "2025"),
            **date_boxes("last_day", "1", "", "2025"),
            "category": "SICKNESS",
            "reason_code": "",
            "related_reason": LONG,
        },
        bad_errors={
            "first_day-day": "First day must be a real date",
            "last_day-day": "Last day must include a month",
            "reason_code": "Choose the sickness reason",
            "related_reason": "100 characters or fewer",
        },
        kept={
            "first_day-day": "31",
            "first_day-month": "2",
            "last_day-year": "2025",
            "related_reason": LONG,
            "category": "SICKNESS",
        },  # fmt: skip
    ),
    FormCase(
        "end an absence",
        ("passport.workforce.forms.EndAbsenceForm",),
        "/workforce/absences/{absence}/end",
        lambda session, rpg, rv5: hr_with_open_absence(rpg),
        empty={"last_day-day": "Enter the last day"},
        bad=date_boxes("last_day", "x", "5", "2024"),
        bad_errors={"last_day-day": "Last day must be a real date"},
        kept={"last_day-day": "x", "last_day-month": "5", "last_day-year": "2024"},
    ),
    FormCase(
        "record a leaver",
        ("passport.workforce.forms.LeaverForm",),
        "/workforce/assignments/{assignment}/leaver",
        lambda session, rpg, rv5: hr_with_assignment(rpg),
        empty={"end_date-day": "Enter the leaving date", "leaving_reason": "Choose the leaving reason"},
        bad={**date_boxes("end_date", "31", "2", "2025"), "leaving_reason": ""},
        bad_errors={
            "end_date-day": "Leaving date must be a real date",
            "leaving_reason": "Choose the leaving",
        },
        kept={"end_date-day": "31", "end_date-month": "2", "end_date-year": "2025"},
    ),
    FormCase(
        "ESR import",
        ("passport.workforce.forms.ImportForm",),
        "/workforce/imports",
        user_of(Role.HR),
        empty={"kind": "Choose what the file holds", "file": "Choose the file to import"},
        bad={"kind": "absences", "file": (b"", "")},
        bad_errors={"file": "Choose the file to import"},
        kept={"kind": "absences"},
        files=("file",),
    ),
    FormCase(
        "staff list filters (GET)",
        ("passport.workforce.forms.StaffFilterForm",),
        "/workforce/staff",
        user_of(Role.HR),
        empty={},
        bad={**date_boxes("in_post_on", "31", "2", "2025"), "name": "Ada"},
        bad_errors={"in_post_on-day": "In post on must be a real date"},
        kept={"in_post_on-day": "31", "in_post_on-month": "2", "name": "Ada"},
        method="GET",
    ),
    FormCase(
        "dashboard filters (GET)",
        ("passport.metrics.forms.DashboardFilterForm",),
        "/metrics",
        user_of(Role.DIRECTOR),
        empty={},
        bad={"from_month": "April", "to_month": "2024-4"},
        bad_errors={"from_month": "Enter the month as YYYY-MM", "to_month": "Enter the month as YYYY-MM"},
        kept={"from_month": "April", "to_month": "2024-4"},
        method="GET",
    ),
    FormCase(
        "published sickness upload",
        ("passport.metrics.forms.PublishedUploadForm",),
        "/admin/published-sickness",
        user_of(Role.ADMIN),
        empty={"file": "Choose at least one file to upload"},
        bad={"file": (b"not a spreadsheet", "figures.txt")},
        bad_errors={"file": "must be a CSV or XLSX file"},
        files=("file",),
    ),
    FormCase(
        "sickness absence target",
        ("passport.metrics.forms.SicknessTargetForm",),
        "/metrics/sickness-target",
        user_of(Role.DIRECTOR),
        empty={},  # nothing typed: no target, back to the dashboard
        bad={"sickness_target_percent": "abc"},
        bad_errors={"sickness_target_percent": "Enter the target as a number"},
        kept={"sickness_target_percent": "abc"},
        empty_status=302,
    ),
    FormCase(
        "sickness absence target out of range",
        ("passport.metrics.forms.SicknessTargetForm",),
        "/metrics/sickness-target",
        user_of(Role.DIRECTOR),
        empty={},
        bad={"sickness_target_percent": "100.01"},
        bad_errors={"sickness_target_percent": "Enter a target between 0 and 100"},
        kept={"sickness_target_percent": "100.01"},
        empty_status=302,
    ),
    FormCase(
        "share the passport",
        ("passport.passports.forms.ShareForm",),
        "/passport/share",
        lambda session, rpg, rv5: nurse_with_a_credential(rpg),
        empty={"credential_ids": "Choose at least one credential"},
        bad={"credential_ids": ["999999"], "hours": "5", "receiving_trust": "ZZZ"},
        bad_errors={"credential_ids": "", "hours": "", "receiving_trust": ""},
    ),
]


def nurse_with_a_credential(trust: Any) -> tuple[Any, dict[str, Any]]:
    user, member = nurse_with_passport(trust)
    issue(trust, member, "dbs-check")
    return user, {}


def hr_with_assignment(trust: Any) -> tuple[Any, dict[str, Any]]:
    post = AssignmentFactory(staff_member=StaffMemberFactory(trust=trust))
    return UserFactory(role=Role.HR, trust=trust), {"assignment": post.id}


def hr_with_open_absence(trust: Any) -> tuple[Any, dict[str, Any]]:
    post = AssignmentFactory(staff_member=StaffMemberFactory(trust=trust))
    absence = AbsenceFactory(assignment=post, last_day=None)
    return UserFactory(role=Role.HR, trust=trust), {"absence": absence.id}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_form_follows_the_nhs_error_pattern(client, session, demo_trusts, case: FormCase) -> None:
    run_case(client, session, demo_trusts, case)


def test_the_checker_fails_a_page_that_breaks_the_pattern() -> None:
    """The checker itself: a summary linking to a field that is not there is caught."""

    class Answer:
        status_code = 422

        @staticmethod
        def get_data(as_text: bool = True) -> str:
            return (
                "<title>Error: X</title><main id='maincontent'><div class='nhsuk-error-summary'>"
                "<div role='alert'><ul><li><a href='#missing'>Enter it</a></li></ul></div></div>"
                "<h1>X</h1></main>"
            )

    with pytest.raises(AssertionError, match="not on the page"):
        assert_error_pattern(Answer(), {"missing": "Enter it"})
