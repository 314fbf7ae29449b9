"""Access-matrix rows for workforce: see tests/functional/access_matrix.py."""
# ruff: noqa: E501

from __future__ import annotations

from typing import Any

from tests.functional.access_matrix import ROWS, SIGNED_IN, WORLD_BUILDERS, Row, statuses


# --- Workforce records (issue 6) ---------------------------------------------------------------------
def _workforce_world(session: Any, own: Any, other: Any) -> dict[str, object]:
    from passport.workforce.models import ImportRun
    from tests.support.workforce_factories import AbsenceFactory, AssignmentFactory

    values: dict[str, object] = {}
    for prefix, trust in (("own", own), ("other", other)):
        absence = AbsenceFactory(assignment=AssignmentFactory(staff_member__trust=trust), last_day=None)
        run = ImportRun(
            kind="assignments", trust_id=trust.id, filename="a.csv", sha256="0" * 64, status="imported"
        )
        session.add(run)
        session.flush()
        values.update(
            {
                f"{prefix}_staff": absence.assignment.staff_member_id,
                f"{prefix}_assignment": absence.assignment_id,
                f"{prefix}_absence": absence.id,
                f"{prefix}_import": run.id,
            }
        )
    return values


WORLD_BUILDERS.append(_workforce_world)
WORKFORCE_PAGE = statuses(403, anonymous=302, hr=200, admin=200)
WORKFORCE_FORM_POST = statuses(403, anonymous=302, hr=422, admin=422)
WORKFORCE_OTHER_PAGE = statuses(403, anonymous=302, admin=200)
WORKFORCE_OTHER_POST = statuses(403, anonymous=302, admin=422)
WORKFORCE_API = statuses(403, anonymous=401, hr=200, admin=200)
WORKFORCE_API_OTHER = statuses(403, anonymous=401, admin=200)
WORKFORCE_API_WRITE = statuses(403, anonymous=401, hr=422, admin=422)  # bodies are checked before the trust
ROWS += [
    Row("GET", "/workforce/staff", "/workforce/staff", WORKFORCE_PAGE),
    Row(
        "GET",
        "/workforce/staff/<int:staff_id>",
        "/workforce/staff/{own_staff}",
        WORKFORCE_PAGE,
        other_url="/workforce/staff/{other_staff}",
        other_expected=WORKFORCE_OTHER_PAGE,
    ),
    Row(
        "GET",
        "/workforce/assignments/<int:assignment_id>/absences/new",
        "/workforce/assignments/{own_assignment}/absences/new",
        WORKFORCE_PAGE,
        other_url="/workforce/assignments/{other_assignment}/absences/new",
        other_expected=WORKFORCE_OTHER_PAGE,
    ),
    Row(
        "POST",
        "/workforce/assignments/<int:assignment_id>/absences/new",
        "/workforce/assignments/{own_assignment}/absences/new",
        WORKFORCE_FORM_POST,
        form={},
        other_url="/workforce/assignments/{other_assignment}/absences/new",
        other_expected=WORKFORCE_OTHER_POST,
    ),
    Row(
        "GET",
        "/workforce/absences/<int:absence_id>/end",
        "/workforce/absences/{own_absence}/end",
        WORKFORCE_PAGE,
        other_url="/workforce/absences/{other_absence}/end",
        other_expected=WORKFORCE_OTHER_PAGE,
    ),
    Row(
        "POST",
        "/workforce/absences/<int:absence_id>/end",
        "/workforce/absences/{own_absence}/end",
        WORKFORCE_FORM_POST,
        form={},
        other_url="/workforce/absences/{other_absence}/end",
        other_expected=WORKFORCE_OTHER_POST,
    ),
    Row(
        "GET",
        "/workforce/assignments/<int:assignment_id>/leaver",
        "/workforce/assignments/{own_assignment}/leaver",
        WORKFORCE_PAGE,
        other_url="/workforce/assignments/{other_assignment}/leaver",
        other_expected=WORKFORCE_OTHER_PAGE,
    ),
    Row(
        "POST",
        "/workforce/assignments/<int:assignment_id>/leaver",
        "/workforce/assignments/{own_assignment}/leaver",
        WORKFORCE_FORM_POST,
        form={},
        other_url="/workforce/assignments/{other_assignment}/leaver",
        other_expected=WORKFORCE_OTHER_POST,
    ),
    Row("GET", "/workforce/imports", "/workforce/imports", WORKFORCE_PAGE),
    Row("POST", "/workforce/imports", "/workforce/imports", WORKFORCE_FORM_POST, form={}),
    Row(
        "GET",
        "/workforce/imports/<int:run_id>",
        "/workforce/imports/{own_import}",
        WORKFORCE_PAGE,
        other_url="/workforce/imports/{other_import}",
        other_expected=WORKFORCE_OTHER_PAGE,
    ),
    Row("POST", "/api/v1/imports/assignments", "/api/v1/imports/assignments", WORKFORCE_API_WRITE, json={}),
    Row("POST", "/api/v1/imports/absences", "/api/v1/imports/absences", WORKFORCE_API_WRITE, json={}),
    Row(
        "GET",
        "/api/v1/imports/<int:run_id>",
        "/api/v1/imports/{own_import}",
        WORKFORCE_API,
        other_url="/api/v1/imports/{other_import}",
        other_expected=WORKFORCE_API_OTHER,
    ),
    Row("GET", "/api/v1/staff", "/api/v1/staff", WORKFORCE_API),
    Row(
        "GET",
        "/api/v1/staff/<int:staff_id>",
        "/api/v1/staff/{own_staff}",
        WORKFORCE_API,
        other_url="/api/v1/staff/{other_staff}",
        other_expected=WORKFORCE_API_OTHER,
    ),
    Row(
        "POST",
        "/api/v1/staff/<int:staff_id>/absences",
        "/api/v1/staff/{own_staff}/absences",
        WORKFORCE_API_WRITE,
        json={},
        other_url="/api/v1/staff/{other_staff}/absences",
        other_expected=WORKFORCE_API_WRITE,
    ),
    Row(
        "PATCH",
        "/api/v1/absences/<int:absence_id>",
        "/api/v1/absences/{own_absence}",
        WORKFORCE_API_WRITE,
        json={},
        other_url="/api/v1/absences/{other_absence}",
        other_expected=WORKFORCE_API_WRITE,
    ),
    Row(
        "POST",
        "/api/v1/assignments/<int:assignment_id>/leaver",
        "/api/v1/assignments/{own_assignment}/leaver",
        WORKFORCE_API_WRITE,
        json={},
        other_url="/api/v1/assignments/{other_assignment}/leaver",
        other_expected=WORKFORCE_API_WRITE,
    ),
]

# The import formats guide (issue 19): help for anyone signed in; it holds no records.
ROWS += [Row("GET", "/help/import-formats", "/help/import-formats", SIGNED_IN)]
