"""The NHS.UK error pattern (issue #19), continued: secondments, job descriptions, frameworks and the
credential pages; and the check that no form class of the service is left out of the table."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

import competencies
import passport
from competencies.frameworks.models import Crosswalk, FrameworkItem, SignOff
from passport.auth.models import Role
from tests.conftest import sign_in
from tests.functional.test_form_error_pattern import CASES as FIRST_CASES
from tests.functional.test_form_error_pattern import (
    LONG,
    FormCase,
    assert_error_pattern,
    date_boxes,
    run_case,
    user_of,
)
from tests.support.credential_factories import issue, staff
from tests.support.factories import StaffMemberFactory, UserFactory
from tests.support.framework_factories import imported_framework
from tests.support.job_factories import adopted_job
from tests.support.secondment_factories import active, make_world, propose

# Forms with nothing a person types: a button that posts, carrying the CSRF token and hidden values only.
EXCLUDED: dict[str, str] = {
    "competencies.jobs.forms.ApproveForm": "a confirm button: the hidden content hash and the CSRF token",
    "competencies.jobs.forms.ActionForm": "buttons that post (to approval, a new version): CSRF token only; "
    "the local-values form that carries its token is a row of its own",
    "competencies.frameworks.proficiency_forms.LevelActionForm": "move and remove buttons: CSRF token only",
    "passport.subject_access.views.AskForCopyForm": "the 'Get a copy of your data' button: CSRF token only",
    "passport.subject_access.forms.RequestActionForm": "make the copy, mark answered: CSRF token only",
    "passport.corrections.forms._Explained": "the explanation box the three correction forms share; never "
    "shown alone",
}


def nurse_with_an_absence(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

    member = StaffMemberFactory(trust=rpg)
    absence = AbsenceFactory(assignment=AssignmentFactory(staff_member=member))
    nurse = UserFactory(role=Role.NURSE, trust=rpg, staff_member=member, email=member.email)
    session.flush()
    return nurse, {"staff": member.id, "absence": absence.id}


def correction_for_hr(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    from passport.corrections.models import CorrectionRequest

    member = StaffMemberFactory(trust=rpg, given_name="Ada")
    request = CorrectionRequest(
        staff_member_id=member.id, trust_id=rpg.id, record_type="staff_member", record_id=member.id,
        field="given_name", current_value="Ada", requested_value="Adaeze",
    )  # fmt: skip
    session.add(request)
    session.flush()
    return UserFactory(role=Role.HR, trust=rpg), {"request": request.id}


ASK = "/account/corrections/new"


def secondment_world(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    world = make_world(session)
    return world.host_hr, {"version": world.version.id}


def proposed_for_home_hr(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    world = make_world(session)
    secondment = propose(session, world, today=date.today())
    return world.home_hr, {"secondment": secondment.id}


def active_for_host_hr(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    world = make_world(session)
    secondment = active(session, world, today=date.today() - timedelta(days=40))
    return world.host_hr, {"secondment": secondment.id}


def job_for_hr(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    version = adopted_job(session, rpg, rv5)
    return UserFactory(role=Role.HR, trust=rpg), {"version": version.id}


def draft_item(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    version = imported_framework(session, publish=False)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    return UserFactory(role=Role.ADMIN, trust=None), {"version": version.identifier, "item": item.identifier}


def published_framework(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    version = imported_framework(session)
    return UserFactory(role=Role.ADMIN, trust=None), {"framework": version.framework.identifier}


def own_item_for_crosswalk(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    imported_framework(session)  # the shared framework the crosswalk points into
    own = imported_framework(session, owner_trust_id=rpg.id, title="Oxleas nursing")
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == own.id)).first()
    return UserFactory(role=Role.HR, trust=rpg), {"version": own.identifier, "item": item.identifier}


def own_scale(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    own = imported_framework(session, owner_trust_id=rpg.id, title="Oxleas nursing")
    return UserFactory(role=Role.HR, trust=rpg), {"framework": own.framework.identifier}


def assessor_with_version(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    version = imported_framework(session)
    me = StaffMemberFactory(trust=rpg)
    return UserFactory(role=Role.ASSESSOR, trust=rpg, staff_member=me, email=me.email), {
        "version": version.identifier
    }


def assessor_with_sign_off(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    version = imported_framework(session)
    item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == version.id)).first()
    assessor = UserFactory(role=Role.ASSESSOR, trust=rpg)
    record = SignOff(
        identifier=str(uuid.uuid4()), assessor_id=assessor.id, assessor_trust_id=rpg.id,
        staff_member_id=StaffMemberFactory(trust=rpg).id, item_id=item.id, version_id=version.id,
        proficiency_level="competent", method="observation", outcome="competent",
        assessed_on=date(2026, 1, 5), review_on=date(2027, 1, 5),
    )  # fmt: skip
    session.add(record)
    session.flush()
    return assessor, {"sign_off": record.identifier}


def hr_with_member(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    return UserFactory(role=Role.HR, trust=rpg), {"email": staff(rpg).email}


def hr_with_credential(session: Any, rpg: Any, rv5: Any) -> tuple[Any, dict[str, Any]]:
    return UserFactory(role=Role.HR, trust=rpg), {"credential": issue(rpg).id}


JOB = {
    "title": "Healthcare Support Worker",
    "afc_band": "3",
    "staff_group": "ACS",
    "hours": "37.5",
    "reports_to": "Ward Manager",
    "accountable_to": "Director of Nursing",
    "purpose": "Supports registered staff to deliver care.",
    "duties": "Clinical care: Takes observations",
}

CASES: list[FormCase] = [
    FormCase(
        "propose a secondment",
        ("passport.secondments.forms.ProposeForm",),
        "/secondments/new",
        secondment_world,
        empty={
            "staff_email": "Enter the nurse's name or email address",
            "start_date-day": "Enter the start date",
            "end_date-day": "Enter the end date",
            "recharge_percent": "Enter the recharge percentage",
            "reason": "Enter the reason for the secondment",
        },
        base={"job_version_id": "{version}"},
        bad={
            "staff_email": "nobody@nowhere.example",
            **date_boxes("start_date", "31", "2", "2027"),
            **date_boxes("end_date", "1", "9", ""),
            "fte": "lots",
            "recharge_percent": "50",
            "reason": "Winter cover",
        },
        bad_errors={
            "start_date-day": "Start date must be a real date",
            "end_date-day": "must include a year",
        },
        kept={
            "staff_email": "nobody@nowhere.example",
            "start_date-day": "31",
            "end_date-month": "9",
            "fte": "lots",
            "reason": "Winter cover",
        },  # fmt: skip
    ),
    FormCase(
        "take a secondment step",
        ("passport.secondments.forms.StepForm",),
        "/secondments/{secondment}/steps",
        proposed_for_home_hr,
        get_url="/secondments/{secondment}",
        base={"step": "approve"},
        empty={"approve-override_reason": "does not meet essential requirements"},
        bad={"note": "n" * 2001, "override_reason": "Checks to follow."},
        bad_errors={"approve-note": "2000"},
        kept={"note": "n" * 2001, "override_reason": "Checks to follow."},
    ),
    FormCase(
        "end a secondment early",
        ("passport.secondments.forms.FinalStepForm",),
        "/secondments/{secondment}/steps/end_early",
        active_for_host_hr,
        base={"confirmed": "yes"},
        empty={"ended_on-day": "Enter the last day at the host trust"},
        bad={**date_boxes("ended_on", "31", "2", "2027"), "note": "Ward closed"},
        bad_errors={"ended_on-day": "must be a real date"},
        kept={"ended_on-day": "31", "ended_on-month": "2", "note": "Ward closed"},
    ),
    FormCase(
        "secondments list filters (GET)",
        ("passport.secondments.forms.ListFilterForm",),
        "/secondments",
        secondment_world,
        empty={},
        bad={**date_boxes("on_or_after", "31", "2", "2027"), **date_boxes("on_or_before", "", "6", "2027")},
        bad_errors={"on_or_after-day": "must be a real date", "on_or_before-day": "must include a day"},
        kept={"on_or_after-day": "31", "on_or_before-month": "6"},
        method="GET",
    ),
    FormCase(
        "write a job description",
        ("competencies.jobs.forms.JobForm",),
        "/jobs/new",
        user_of(Role.ADMIN),
        empty={
            "title": "Enter the job title",
            "afc_band": "",
            "staff_group": "",
            "hours": "Enter the hours a week",
            "reports_to": "Enter who the post reports to",
            "accountable_to": "Enter who the post is accountable to",
            "purpose": "Enter the job purpose",
            "duties": "Enter the duties",
        },
        bad={**JOB, "requirements": "training CSTF-FIRE 1\ncredential pilot-licence"},
        bad_errors={"requirements": "Line 2"},
        kept={"title": JOB["title"], "requirements": "training CSTF-FIRE 1\ncredential pilot-licence"},
    ),
    FormCase(
        "fit check (GET)",
        ("competencies.jobs.forms.FitCheckForm",),
        "/jobs/{version}/fit-check",
        job_for_hr,
        empty={},
        bad={"email": "not an email"},
        bad_errors={"email": ""},
        kept={"email": "not an email"},
        method="GET",
    ),
    FormCase(
        "import a CASE package",
        ("competencies.frameworks.forms.ImportCaseForm",),
        "/frameworks/import",
        user_of(Role.ADMIN),
        empty={"package": "Choose a CASE package file"},
        bad={"package": (b"", ""), "owner": "ZZZ"},
        bad_errors={"package": "Choose a CASE package file", "owner": ""},
        files=("package",),
    ),
    FormCase(
        "start a new framework version",
        ("competencies.frameworks.forms.NewVersionForm",),
        "/frameworks/{framework}",
        published_framework,
        empty={"version_label": "Enter a label for the new version"},
        bad={"version_label": "v" * 51},
        bad_errors={"version_label": "50"},
        kept={"version_label": "v" * 51},
    ),
    FormCase(
        "edit a draft item",
        ("competencies.frameworks.forms.ItemForm",),
        "/frameworks/versions/{version}/items/{item}/edit",
        draft_item,
        blank=("human_coding_scheme", "full_statement", "item_type", "notes"),
        empty={"full_statement": "Enter the full statement"},
        bad={"human_coding_scheme": "c" * 101, "full_statement": "Assesses risk", "item_type": "Competency"},
        bad_errors={"human_coding_scheme": "100"},
        kept={"human_coding_scheme": "c" * 101, "full_statement": "Assesses risk", "item_type": "Competency"},
    ),
    FormCase(
        "add a draft item",
        ("competencies.frameworks.forms.NewItemForm",),
        "/frameworks/versions/{version}/items/new",
        draft_item,
        empty={"full_statement": "Enter the full statement"},
        bad={"full_statement": "Assesses risk", "parent": "no-such-item", "notes": "A note"},
        bad_errors={"parent": ""},
        kept={"full_statement": "Assesses risk", "notes": "A note"},
    ),
    FormCase(
        "add a crosswalk",
        ("competencies.frameworks.forms.CrosswalkForm",),
        "/frameworks/versions/{version}/items/{item}/crosswalks",
        own_item_for_crosswalk,
        get_url="/frameworks/versions/{version}/items/{item}",
        base={"association_type": "exactMatchOf"},  # a select: a browser always sends one of its options
        empty={"shared_item": "Enter the identifier of the shared item", "shared_version": ""},
        bad={"shared_item": "not-an-identifier", "shared_version": "no-such-version"},
        bad_errors={"shared_version": ""},
        kept={"shared_item": "not-an-identifier"},
    ),
    FormCase(
        "refresher period",
        ("competencies.frameworks.forms.RefresherForm",),
        "/frameworks/refresher-settings",
        user_of(Role.HR),
        base={"subject_code": "CSTF-FIRE", "level": "1"},
        empty={"months-CSTF-FIRE-1": "Enter a number of months"},
        bad={"months": "0"},
        bad_errors={"months-CSTF-FIRE-1": "from 1 to"},
        kept={"months": "0"},
    ),
    FormCase(
        "sign off a competency",
        ("competencies.frameworks.forms.SignOffForm",),
        "/frameworks/sign-offs/new",
        assessor_with_version,
        get_url="/frameworks/sign-offs/new?version={version}",
        base={"version": "{version}"},
        empty={
            "nurse": "Enter the nurse's NMC PIN or email address",
            "item": "",
            "proficiency_level": "",
            "method": "",
            "outcome": "",
            "assessed_on-day": "Enter the date of assessment",
            "review_on-day": "Enter the review date",
        },
        bad={
            "nurse": "nobody@elsewhere.example",
            "method": "observation",
            "outcome": "competent",
            "evidence": "Watched on the ward",
            **date_boxes("assessed_on", "31", "2", "2026"),
            **date_boxes("review_on", "1", "13", "2027"),
        },
        bad_errors={
            "item": "",
            "proficiency_level": "",
            "assessed_on-day": "must be a real date",
            "review_on-day": "must be a real date",
        },
        kept={
            "nurse": "nobody@elsewhere.example",
            "evidence": "Watched on the ward",
            "assessed_on-day": "31",
        },
    ),
    FormCase(
        "withdraw a sign-off",
        ("competencies.frameworks.forms.WithdrawForm",),
        "/frameworks/sign-offs/{sign_off}/withdraw",
        assessor_with_sign_off,
        base={"confirmed": "yes"},
        empty={},  # the reason is optional: sent empty, the sign-off is withdrawn
        empty_status=302,
        bad={"reason": LONG},
        bad_errors={"reason": "500 characters or fewer"},
        kept={"reason": LONG},
    ),
    FormCase(
        "proficiency scale title",
        ("competencies.frameworks.proficiency_forms.ScaleTitleForm",),
        "/frameworks/{framework}/proficiency-scale",
        own_scale,
        empty={"scale-title": ""},
        bad={"scale-title": "t" * 500},
        bad_errors={"scale-title": ""},
        kept={"scale-title": "t" * 500},
    ),
    FormCase(
        "proficiency level",
        ("competencies.frameworks.proficiency_forms.LevelForm",),
        "/frameworks/{framework}/proficiency-scale/levels",
        own_scale,
        get_url="/frameworks/{framework}/proficiency-scale",
        empty={"new-level-code": "", "new-level-label": ""},
        bad={"new-level-code": "Not A Code!", "new-level-label": "Expert again"},
        bad_errors={"new-level-code": ""},
        kept={"new-level-code": "Not A Code!", "new-level-label": "Expert again"},
    ),
    # Credential pages draw their forms from the credential schemas (not FlaskForm classes).
    FormCase(
        "bulk training upload",
        (),
        "/credentials/bulk-training",
        user_of(Role.HR),
        empty={"file": "Choose a CSV file"},
        bad={"file": (b"email,subject_code\n", "training.xlsx")},
        bad_errors={"file": "must be a CSV file"},
        files=("file",),
    ),
    FormCase(
        "issue a credential",
        (),
        "/credentials/issue?type=mandatory-training",
        hr_with_member,
        # The subject's boxes are checked once the person is found (the schema loads with the issuer).
        empty={"staff_email": "Enter the person's name or email address"},
        bad={
            "staff_email": "{email}",
            "subject_code": "CSTF-FIRE",
            "level": "1",
            **date_boxes("completed_on", "31", "2", "2026"),
        },  # fmt: skip
        bad_errors={"completed_on-day": "Completed on must be a real date"},
        kept={"staff_email": "{email}", "completed_on-day": "31", "completed_on-month": "2"},
    ),
    FormCase(
        "revoke a credential",
        (),
        "/credentials/{credential}/revoke",
        hr_with_credential,
        base={"confirmed": "yes"},
        empty={},  # the reason is optional: sent empty, the credential is revoked
        empty_status=302,
        bad={"reason": LONG},
        bad_errors={"reason": "at most 500 characters"},
        kept={"reason": LONG},
    ),
    FormCase(
        "credential status change (suspend, on the credential's page)",
        (),
        "/credentials/{credential}/status",
        hr_with_credential,
        get_url="/credentials/{credential}",
        base={"action": "suspend"},
        empty={},  # the reason is optional: sent empty, the credential is suspended
        empty_status=302,
        bad={"reason": LONG},
        bad_errors={"reason": "500"},
        kept={"reason": LONG},
    ),
    FormCase(
        "job local values (on the job description's page)",
        (),
        "/jobs/{version}/local-values",
        job_for_hr,
        get_url="/jobs/{version}",
        empty={},  # every local detail is optional
        empty_status=302,
        bad={"base_site": "s" * 201},
        bad_errors={"local-base_site": "at most 200 characters"},
        kept={"base_site": "s" * 201},
    ),
    FormCase(
        "record a subject access request",
        ("passport.subject_access.forms.RecordRequestForm",),
        "/workforce/subject-access",
        user_of(Role.HR),
        empty={
            "staff_email": "Enter the person's name or email address",
            "received_on-day": "Enter the date received",
            "how_received": "Choose how the request arrived",
        },
        bad={
            "staff_email": "nobody@nowhere.example",
            **date_boxes("received_on", "31", "2", "2026"),
            "how_received": "letter",
            "notes": LONG,
        },
        bad_errors={
            "staff_email": "There is no staff record for nobody@nowhere.example",
            "received_on-day": "must be a real date",
            "notes": "500 characters or fewer",
        },
        kept={"staff_email": "nobody@nowhere.example", "notes": LONG},
    ),
    FormCase(
        "ask for a correction: a name",
        ("passport.corrections.forms.CorrectTextForm",),
        ASK,
        nurse_with_an_absence,
        get_url=ASK + "?record=staff_member:{staff}&field=given_name",
        base={"record": "staff_member:{staff}", "field": "given_name"},
        empty={"value": "Enter what it should say"},
        bad={"value": "y" * 150, "explanation": "z" * 1100},
        bad_errors={"value": "100 characters or fewer", "explanation": "1000 characters or fewer"},
        kept={"value": "y" * 150, "explanation": "z" * 1100},
    ),
    FormCase(
        "ask for a correction: a date",
        ("passport.corrections.forms.CorrectDateForm",),
        ASK,
        nurse_with_an_absence,
        get_url=ASK + "?record=absence:{absence}&field=first_day",
        base={"record": "absence:{absence}", "field": "first_day"},
        empty={"value-day": "Enter the correct date"},
        bad=date_boxes("value", "31", "2", "2024"),
        bad_errors={"value-day": "must be a real date"},
    ),
    FormCase(
        "ask for a correction: a reason for sickness",
        ("passport.corrections.forms.CorrectReasonForm",),
        ASK,
        nurse_with_an_absence,
        get_url=ASK + "?record=absence:{absence}&field=reason_code",
        base={"record": "absence:{absence}", "field": "reason_code"},
        empty={"value": "Choose the correct reason"},
        bad={"value": "S12", "explanation": "It was a back problem."},  # S12: what the record says
        bad_errors={"value": "already says S12"},
        kept={"explanation": "It was a back problem."},
    ),
    FormCase(
        "decide on a correction",
        ("passport.corrections.forms.DecideForm",),
        "/workforce/corrections/{request}",
        correction_for_hr,
        empty={"decision": "Choose whether to accept or decline the correction"},
        bad={"decision": "decline", "reason": "r" * 1100},
        bad_errors={"reason": "1000 characters or fewer"},
        kept={"reason": "r" * 1100},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_form_follows_the_nhs_error_pattern(client, session, demo_trusts, case: FormCase) -> None:
    run_case(client, session, demo_trusts, case)


def test_the_crosswalk_form_adds_or_shows_the_refusal_beside_the_box(client, session, demo_trusts) -> None:
    """The crosswalk form used to answer a refusal with a redirect and a banner, losing what was typed."""
    shared = imported_framework(session)
    shared_item = session.scalars(select(FrameworkItem).where(FrameworkItem.version_id == shared.id)).first()
    user, values = own_item_for_crosswalk(session, *demo_trusts)
    sign_in(client, user)
    url = "/frameworks/versions/{version}/items/{item}/crosswalks".format(**values)
    form = {"shared_version": shared.identifier, "association_type": "exactMatchOf"}
    unknown = str(uuid.uuid4())
    refused = client.post(url, data={**form, "shared_item": unknown})
    assert_error_pattern(refused, {"shared_item": "has no item"}, {"shared_item": unknown})
    assert session.scalars(select(Crosswalk)).first() is None
    added = client.post(url, data={**form, "shared_item": shared_item.identifier})
    assert added.status_code == 302 and added.headers["Location"].endswith(values["item"])
    assert "Crosswalk added" in client.get(added.headers["Location"]).get_data(as_text=True)
    assert session.scalars(select(Crosswalk)).one().shared_item_id == shared_item.id


def form_classes() -> dict[str, type[FlaskForm]]:
    """Every FlaskForm subclass defined in the service's modules, by dotted name."""
    found: dict[str, type[FlaskForm]] = {}
    for package in (passport, competencies):
        for module_info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(module_info.name)
            for name, value in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(value, FlaskForm)
                    and value is not FlaskForm
                    and value.__module__ == module.__name__
                ):
                    found[f"{module.__name__}.{name}"] = value
    return found


def test_every_form_class_is_covered_or_excluded() -> None:
    classes = form_classes()
    assert "passport.auth.forms.SignInForm" in classes and len(classes) > 20  # the search itself works
    covered = {name for case in [*FIRST_CASES, *CASES] for name in case.forms}
    assert not covered & set(EXCLUDED), "a form is both tested and excluded"
    assert sorted(set(classes) - covered - set(EXCLUDED)) == [], "forms missing from the error-pattern table"
    assert sorted((covered | set(EXCLUDED)) - set(classes)) == [], "the table names forms that do not exist"
    assert all(reason.strip() for reason in EXCLUDED.values())
