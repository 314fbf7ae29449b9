"""Job descriptions and the fit check in the JSON API."""

from __future__ import annotations

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from competencies.jobs import facts, operations
from competencies.jobs.schemas import (
    ApprovalSchema,
    FitQuerySchema,
    FitResultSchema,
    JobContentSchema,
    JobSummarySchema,
    JobVersionDumpSchema,
    LocalValuesSchema,
    ReadyQuerySchema,
    ReadyRowSchema,
)
from passport.audit.operations import record_event
from passport.auth.policy import Action, ensure, requires
from passport.db import allow_access_trail, get_session
from passport.errors import AccessDenied, NotFound
from passport.trusts.models import StaffMember, Trust

blueprint = Blueprint(
    "jobs_api", __name__, description="Joint job descriptions, their adoption by trusts, and the fit check"
)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _version(version_id: int):  # type: ignore[no-untyped-def]
    return operations.get_version(get_session(), version_id, operations.visible_statuses(_user()))


def _own_trust() -> Trust:
    user = _user()
    if user.trust_id is None:
        raise AccessDenied("You act for no trust.")
    return get_session().get(Trust, user.trust_id)  # type: ignore[return-value]


@blueprint.route("/jobs")
class Jobs(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_JOBS)
    @blueprint.response(200, JobSummarySchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Job description versions you may see (adopted ones for everyone; more for HR and admins)"""
        return operations.list_versions(get_session(), operations.visible_statuses(_user()))

    @requires(Action.WRITE_JOBS)
    @blueprint.arguments(JobContentSchema)
    @blueprint.response(201, JobVersionDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Write a new joint job description: its first version, a draft (partnership admins)"""
        session = get_session()
        version = operations.create_job_description(session, payload, actor=_user())
        return operations.export_version(version)


@blueprint.route("/jobs/<int:version_id>")
class JobVersionById(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_JOBS)
    @blueprint.response(200, JobVersionDumpSchema)
    def get(self, version_id: int):  # type: ignore[no-untyped-def]
        """One version: its content, content hash and adoptions (the JSON export)"""
        return operations.export_version(_version(version_id))

    @requires(Action.WRITE_JOBS)
    @blueprint.arguments(JobContentSchema)
    @blueprint.response(200, JobVersionDumpSchema)
    def put(self, payload: dict, version_id: int):  # type: ignore[no-untyped-def]
        """Change a version no trust has approved yet (partnership admins)"""
        session = get_session()
        version = operations.update_version(session, _version(version_id), payload, actor=_user())
        return operations.export_version(version)


@blueprint.route("/jobs/<int:version_id>/submit")
class SubmitVersion(MethodView):
    decorators = [login_required]

    @requires(Action.WRITE_JOBS)
    @blueprint.response(200, JobVersionDumpSchema)
    def post(self, version_id: int):  # type: ignore[no-untyped-def]
        """Put a draft to approval by the partner trusts (partnership admins)"""
        session = get_session()
        version = operations.submit_for_approval(session, _version(version_id), actor=_user())
        return operations.export_version(version)


@blueprint.route("/jobs/<int:version_id>/versions")
class NewVersion(MethodView):
    decorators = [login_required]

    @requires(Action.WRITE_JOBS)
    @blueprint.response(201, JobVersionDumpSchema)
    def post(self, version_id: int):  # type: ignore[no-untyped-def]
        """Start a new draft version from this one (partnership admins)"""
        session = get_session()
        draft = operations.new_version(session, _version(version_id), actor=_user())
        return operations.export_version(draft)


@blueprint.route("/jobs/<int:version_id>/approvals")
class Approvals(MethodView):
    decorators = [login_required]

    @requires(Action.APPROVE_JOBS)
    @blueprint.arguments(ApprovalSchema)
    @blueprint.response(201, JobVersionDumpSchema)
    def post(self, payload: dict, version_id: int):  # type: ignore[no-untyped-def]
        """Your trust adopts this version: send the content_hash of the version you read (HR)"""
        trust = _own_trust()
        ensure(_user(), Action.APPROVE_JOBS, trust.id)
        session = get_session()
        version = _version(version_id)
        operations.approve_version(
            session, version, trust, content_hash=payload["content_hash"], actor=_user()
        )
        return operations.export_version(version)


@blueprint.route("/jobs/<int:version_id>/local-values")
class LocalValues(MethodView):
    decorators = [login_required]

    @requires(Action.APPROVE_JOBS)
    @blueprint.arguments(LocalValuesSchema)
    @blueprint.response(200, JobVersionDumpSchema)
    def put(self, payload: dict, version_id: int):  # type: ignore[no-untyped-def]
        """Fill in the fields this version leaves to your trust, such as base site and cost centre (HR)"""
        trust = _own_trust()
        ensure(_user(), Action.APPROVE_JOBS, trust.id)
        session = get_session()
        version = _version(version_id)
        operations.set_local_values(session, version, trust, payload["values"], actor=_user())
        return operations.export_version(version)


def staff_for_fit_check(email: str) -> StaffMember:
    """The person to check, if she exists and is within the caller's reach (her trust's HR)."""
    from sqlalchemy import select

    member = get_session().scalar(select(StaffMember).where(StaffMember.email == email.strip().lower()))
    if member is None:
        raise NotFound(f"There is no staff record for {email.strip()}.", field="email")
    ensure(_user(), Action.RUN_FIT_CHECKS, member.trust_id)
    return member


@blueprint.route("/jobs/<int:version_id>/fit-check")
class FitCheck(MethodView):
    decorators = [login_required]

    @requires(Action.RUN_FIT_CHECKS)
    @blueprint.arguments(FitQuerySchema, location="query")
    @blueprint.response(200, FitResultSchema)
    def get(self, query: dict, version_id: int):  # type: ignore[no-untyped-def]
        """Check one of your trust's staff against this version; every credential is verified (HR)"""
        version = _version(version_id)
        member = staff_for_fit_check(query["email"])
        session = get_session()
        result = facts.fit_check(session, member, version, expiring_within_days=query["expiring_days"])
        allow_access_trail(session)  # who checked whom is kept, though this is a GET
        record_event(
            session,
            actor=_user(),
            action="job.fit_checked",
            record_type="staff_member",
            record_id=member.id,
            trust_id=member.trust_id,
            details={"job_version": version.id, "verdict": result.verdict},
        )
        return facts.fit_report(member, version, result)


@blueprint.route("/jobs/<int:version_id>/ready")
class Ready(MethodView):
    decorators = [login_required]

    @requires(Action.RUN_FIT_CHECKS)
    @blueprint.arguments(ReadyQuerySchema, location="query")
    @blueprint.response(200, ReadyRowSchema(many=True))
    def get(self, query: dict, version_id: int):  # type: ignore[no-untyped-def]
        """Who in your trust is ready for this version, with filters by verdict and name (HR)"""
        trust = _own_trust()
        ensure(_user(), Action.RUN_FIT_CHECKS, trust.id)
        version = _version(version_id)
        session = get_session()
        rows = facts.fit_for_trust(session, version, trust.id, expiring_within_days=query["expiring_days"])
        return [row_dict(row) for row in filter_rows(rows, query.get("verdict"), query.get("q"))]


def filter_rows(rows: list[facts.StaffFit], verdict: str | None, text: str | None) -> list[facts.StaffFit]:
    needle = (text or "").strip().lower()
    return [
        row
        for row in rows
        if (not verdict or row.result.verdict == verdict)
        and (not needle or needle in row.name.lower() or needle in row.email)
    ]


def row_dict(row: facts.StaffFit) -> dict:
    return {
        "staff_member": row.staff_member_id,
        "name": row.name,
        "email": row.email,
        "verdict": row.result.verdict,
        "missing": [r.label for r in row.result.missing],
        "expiring": [r.label for r in row.result.expiring],
    }
