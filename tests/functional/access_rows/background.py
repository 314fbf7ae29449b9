"""Access-matrix rows for background jobs: see tests/functional/access_matrix.py."""

from __future__ import annotations

from typing import Any

from tests.functional.access_matrix import API_SIGNED_IN, ROWS, SIGNED_IN, WORLD_BUILDERS, Row, statuses


def _background_world(session: Any, own: Any, other: Any) -> dict[str, object]:
    from passport.background.models import Job

    values: dict[str, object] = {}
    for prefix, trust in (("own", own), ("other", other)):
        # Started by nobody the callers are: only HR of the trust and admins may follow it.
        job = Job(kind="esr_import", title="Import of a.csv", trust_id=trust.id, status="queued", params={})
        session.add(job)
        session.flush()
        values[f"{prefix}_background_job"] = job.id
    return values


WORLD_BUILDERS.append(_background_world)
JOB_PAGE = statuses(404, anonymous=302, hr=200, admin=200)
JOB_API = statuses(404, anonymous=401, hr=200, admin=200)
ROWS += [
    Row("GET", "/background-jobs", "/background-jobs", SIGNED_IN),
    Row(
        "GET",
        "/background-jobs/<int:job_id>",
        "/background-jobs/{own_background_job}",
        JOB_PAGE,
        other_url="/background-jobs/{other_background_job}",
        other_expected=statuses(404, anonymous=302, admin=200),
    ),
    Row("GET", "/api/v1/background-jobs", "/api/v1/background-jobs", API_SIGNED_IN),
    Row(
        "GET",
        "/api/v1/background-jobs/<int:job_id>",
        "/api/v1/background-jobs/{own_background_job}",
        JOB_API,
        other_url="/api/v1/background-jobs/{other_background_job}",
        other_expected=statuses(404, anonymous=401, admin=200),
    ),
]
