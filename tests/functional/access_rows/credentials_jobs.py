"""Access-matrix rows for credentials and jobs: see tests/functional/access_matrix.py."""
# ruff: noqa: E501

from __future__ import annotations

from tests.functional.access_matrix import API_SIGNED_IN, ROWS, SIGNED_IN, WORLD_BUILDERS, Row, statuses


# --- Credentials and passports (issue 3) ----------------------------------------------------------------
def _credentials_world(session, own, other):  # type: ignore[no-untyped-def]
    from tests.support.credential_factories import issue, share_of, staff

    own_member, other_member = staff(own), staff(other)
    own_credential, other_credential = issue(own, own_member), issue(other, other_member)
    # Each share names its own member's trust as the receiving trust.
    own_share, own_token = share_of(own_member, [own_credential], receiving=own)
    other_share, other_token = share_of(other_member, [other_credential], receiving=other)
    # A bulk upload's job for each trust, started by nobody the callers are.
    from passport.background.models import Job

    uploads = {}
    for prefix, trust in (("own", own), ("other", other)):
        job = Job(
            kind="bulk_issuance",
            title="Training credentials from t.csv",
            trust_id=trust.id,
            status="succeeded",
            params={"upload_id": f"00000000-0000-4000-8000-00000000000{trust.id % 10}"},
            result={"ok": True, "rows": 0, "issued": 0, "skipped": 0, "rejected_count": 0, "rejected": []},
        )
        session.add(job)
        session.flush()
        uploads[f"{prefix}_bulk_upload"] = job.id
    return {
        **uploads,
        "own_credential": own_credential.id,
        "other_credential": other_credential.id,
        "own_share": own_share.id,
        "other_share": other_share.id,
        "own_share_token": own_token,
        "other_share_token": other_token,
    }


WORLD_BUILDERS.append(_credentials_world)
HR_PAGE = statuses(403, anonymous=302, hr=200)
HR_API = statuses(403, anonymous=401, hr=200)
NOT_YOURS_PAGE = statuses(404, anonymous=302)
NOT_YOURS_API = statuses(404, anonymous=401)
# The access-matrix accounts are not linked to staff records: a nurse or assessor has no passport (404).
PASSPORT_PAGE = statuses(403, anonymous=302, nurse=404, assessor=404)
PASSPORT_API = statuses(403, anonymous=401, nurse=404, assessor=404)
PUBLIC = statuses(200)
NO_JOB = 2147483000  # a job description version id no row has
ROWS += [
    Row(
        "GET",
        "/trusts/<string:ods_code>/did.json",
        "/trusts/{own_trust}/did.json",
        PUBLIC,
        other_url="/trusts/{other_trust}/did.json",
        other_expected=PUBLIC,
    ),
    Row("GET", "/contexts/staff-passport/v1", "/contexts/staff-passport/v1", PUBLIC),
    Row(
        "GET",
        "/trusts/<string:ods_code>/status/<string:purpose>/<int:sequence>",
        "/trusts/{own_trust}/status/revocation/1",
        PUBLIC,
        other_url="/trusts/{other_trust}/status/suspension/1",
        other_expected=PUBLIC,
    ),
    Row("POST", "/api/v1/verify", "/api/v1/verify", statuses(422), json={}),
    Row("GET", "/credentials", "/credentials", HR_PAGE),
    Row("GET", "/credentials/issue", "/credentials/issue", HR_PAGE),
    Row(
        "POST",
        "/credentials/issue",
        "/credentials/issue?type=dbs-check",
        statuses(403, anonymous=302, hr=422),
        form={},
    ),
    Row(
        "GET",
        "/credentials/<int:credential_id>",
        "/credentials/{own_credential}",
        statuses(404, anonymous=302, hr=200),
        other_url="/credentials/{other_credential}",
        other_expected=NOT_YOURS_PAGE,
    ),
    # An empty form names no action: HR gets the page again with its error (422); other trusts' HR: 403.
    Row(
        "POST",
        "/credentials/<int:credential_id>/status",
        "/credentials/{own_credential}/status",
        statuses(403, anonymous=302, hr=422),
        form={},
        other_url="/credentials/{other_credential}/status",
        other_expected=statuses(403, anonymous=302),
    ),
    # Revoking asks first: HR of the issuing trust gets the confirmation page, and a POST without its
    # confirmed=yes revokes nothing and is sent back to it (302); other trusts' HR are refused.
    Row(
        "GET",
        "/credentials/<int:credential_id>/revoke",
        "/credentials/{own_credential}/revoke",
        statuses(403, anonymous=302, hr=200),
        other_url="/credentials/{other_credential}/revoke",
        other_expected=statuses(403, anonymous=302),
    ),
    Row(
        "POST",
        "/credentials/<int:credential_id>/revoke",
        "/credentials/{own_credential}/revoke",
        statuses(403, anonymous=302, hr=302),
        form={},
        other_url="/credentials/{other_credential}/revoke",
        other_expected=statuses(403, anonymous=302),
    ),
    Row("GET", "/credentials/bulk-training", "/credentials/bulk-training", HR_PAGE),
    # What a bulk upload did names staff: HR of its trust only (an admin follows the job, not the names).
    Row(
        "GET",
        "/credentials/bulk-training/jobs/<int:job_id>",
        "/credentials/bulk-training/jobs/{own_bulk_upload}",
        statuses(404, anonymous=302, hr=200),
        other_url="/credentials/bulk-training/jobs/{other_bulk_upload}",
        other_expected=NOT_YOURS_PAGE,
    ),
    Row(
        "POST",
        "/credentials/bulk-training",
        "/credentials/bulk-training",
        statuses(403, anonymous=302, hr=422),
        form={},
    ),
    Row("GET", "/api/v1/credentials", "/api/v1/credentials", HR_API),
    Row("POST", "/api/v1/credentials", "/api/v1/credentials", statuses(403, anonymous=401, hr=422), json={}),
    Row(
        "GET",
        "/api/v1/credentials/<int:credential_id>",
        "/api/v1/credentials/{own_credential}",
        statuses(404, anonymous=401, hr=200),
        other_url="/api/v1/credentials/{other_credential}",
        other_expected=NOT_YOURS_API,
    ),
    # In this order, HR revokes her trust's credential, which then can be neither suspended nor reinstated
    # (409); HR of another trust is refused (403) and nothing changes.
    *[
        Row(
            "POST",
            f"/api/v1/credentials/<int:credential_id>/{action}",
            f"/api/v1/credentials/{{own_credential}}/{action}",
            statuses(403, anonymous=401, hr=hr_status),
            json={},
            other_url=f"/api/v1/credentials/{{other_credential}}/{action}",
            other_expected=statuses(403, anonymous=401),
        )
        for action, hr_status in (("revoke", 200), ("suspend", 409), ("reinstate", 409))
    ],
    Row(
        "POST",
        "/api/v1/credentials/bulk-training",
        "/api/v1/credentials/bulk-training",
        statuses(403, anonymous=401, hr=422),
        form={},
    ),
    Row("GET", "/passport", "/passport", PASSPORT_PAGE),
    Row("GET", "/passport/presentation.json", "/passport/presentation.json", PASSPORT_PAGE),
    Row("GET", "/passport/share", "/passport/share", PASSPORT_PAGE),
    Row("POST", "/passport/share", "/passport/share", PASSPORT_PAGE, form={}),
    Row("GET", "/passport/shares", "/passport/shares", PASSPORT_PAGE),
    # Withdrawing a link asks first (GET); a POST without the page's confirmed=yes withdraws nothing.
    Row(
        "GET",
        "/passport/shares/<int:share_id>/revoke",
        "/passport/shares/{own_share}/revoke",
        PASSPORT_PAGE,
        other_url="/passport/shares/{other_share}/revoke",
        other_expected=PASSPORT_PAGE,
    ),
    Row(
        "POST",
        "/passport/shares/<int:share_id>/revoke",
        "/passport/shares/{own_share}/revoke",
        PASSPORT_PAGE,
        other_url="/passport/shares/{other_share}/revoke",
        other_expected=PASSPORT_PAGE,
    ),
    Row("GET", "/api/v1/passport/credentials", "/api/v1/passport/credentials", PASSPORT_API),
    Row("GET", "/api/v1/passport/presentation", "/api/v1/passport/presentation", PASSPORT_API),
    Row("GET", "/api/v1/passport/shares", "/api/v1/passport/shares", PASSPORT_API),
    Row(
        "POST",
        "/api/v1/passport/shares",
        "/api/v1/passport/shares",
        statuses(403, anonymous=401, nurse=422, assessor=422),
        json={},
    ),
    Row(
        "POST",
        "/api/v1/passport/shares/<int:share_id>/revoke",
        "/api/v1/passport/shares/{own_share}/revoke",
        PASSPORT_API,
        other_url="/api/v1/passport/shares/{other_share}/revoke",
        other_expected=PASSPORT_API,
    ),
    # A share link is public; only HR of the receiving trust may record it as verified.
    *[
        Row(
            "GET",
            f"/v/<string:token>{suffix}",
            f"/v/{{own_share_token}}{suffix}",
            PUBLIC,
            other_url=f"/v/{{other_share_token}}{suffix}",
            other_expected=PUBLIC,
        )
        for suffix in ("", "/presentation.json", "/qr.svg", "/qr.png")
    ],
    Row(
        "POST",
        "/v/<string:token>/verified",
        "/v/{own_share_token}/verified",
        statuses(403, anonymous=302, hr=302),
        other_url="/v/{other_share_token}/verified",
        other_expected=statuses(403, anonymous=302),
    ),
    # Job descriptions (issue 5). The matrix's world holds no job description, so rows name a version id
    # that does not exist: a caller the policy lets through gets 404, anyone else 403 before any lookup
    # (tests/functional/test_jobs_*.py cover real versions, own trust and other trust).
    Row("GET", "/jobs", "/jobs", SIGNED_IN),
    Row("GET", "/jobs/new", "/jobs/new", statuses(403, anonymous=302, admin=200)),
    Row("POST", "/jobs/new", "/jobs/new", statuses(403, anonymous=302, admin=422), form={}),
    *[
        Row("GET", f"/jobs/<int:version_id>{suffix}", f"/jobs/{NO_JOB}{suffix}", NOT_YOURS_PAGE)
        for suffix in ("", "/print", "/export.json", "/diff")
    ],
    Row(
        "GET", "/jobs/<int:version_id>/edit", f"/jobs/{NO_JOB}/edit", statuses(403, anonymous=302, admin=404)
    ),
    *[
        Row(
            "POST",
            f"/jobs/<int:version_id>/{action}",
            f"/jobs/{NO_JOB}/{action}",
            statuses(403, anonymous=302, admin=404),
            form={},
        )
        for action in ("edit", "submit", "new-version")
    ],
    *[
        Row(
            "POST",
            f"/jobs/<int:version_id>/{action}",
            f"/jobs/{NO_JOB}/{action}",
            statuses(403, anonymous=302, hr=404),
            form={},
        )
        for action in ("approve", "local-values")
    ],
    *[
        Row(
            "GET",
            f"/jobs/<int:version_id>/{page}",
            f"/jobs/{NO_JOB}/{page}",
            statuses(403, anonymous=302, hr=404),
        )
        for page in ("fit-check", "ready", "approve")  # approve: the confirmation page
    ],
    Row("GET", "/jobs/staff/<int:staff_id>", f"/jobs/staff/{NO_JOB}", statuses(403, anonymous=302, hr=404)),
    Row("GET", "/api/v1/jobs", "/api/v1/jobs", API_SIGNED_IN),
    Row("POST", "/api/v1/jobs", "/api/v1/jobs", statuses(403, anonymous=401, admin=422), json={}),
    Row("GET", "/api/v1/jobs/<int:version_id>", f"/api/v1/jobs/{NO_JOB}", NOT_YOURS_API),
    Row(
        "PUT",
        "/api/v1/jobs/<int:version_id>",
        f"/api/v1/jobs/{NO_JOB}",
        statuses(403, anonymous=401, admin=422),
        json={},
    ),
    *[
        Row(
            "POST",
            f"/api/v1/jobs/<int:version_id>/{action}",
            f"/api/v1/jobs/{NO_JOB}/{action}",
            statuses(403, anonymous=401, admin=404),
        )
        for action in ("submit", "versions")
    ],
    Row(
        "POST",
        "/api/v1/jobs/<int:version_id>/approvals",
        f"/api/v1/jobs/{NO_JOB}/approvals",
        statuses(403, anonymous=401, hr=422),
        json={},
    ),
    Row(
        "PUT",
        "/api/v1/jobs/<int:version_id>/local-values",
        f"/api/v1/jobs/{NO_JOB}/local-values",
        statuses(403, anonymous=401, hr=422),
        json={},
    ),
    Row(
        "GET",
        "/api/v1/jobs/<int:version_id>/fit-check",
        f"/api/v1/jobs/{NO_JOB}/fit-check",
        statuses(403, anonymous=401, hr=422),
    ),
    Row(
        "GET",
        "/api/v1/jobs/<int:version_id>/ready",
        f"/api/v1/jobs/{NO_JOB}/ready",
        statuses(403, anonymous=401, hr=404),
    ),
]
