"""Workforce records in the JSON API: imports, the staff list, a person's record, absences, leavers."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from sqlalchemy import select
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from passport.auth.models import UserAccount
from passport.auth.policy import Action, allows, ensure, filter_by_scope, requires
from passport.background.api import accepted
from passport.background.schemas import JobDumpSchema
from passport.db import get_session
from passport.errors import AccessDenied, InvalidInput, NotFound
from passport.subject_access.trail import record_views
from passport.trusts.operations import get_trust
from passport.workforce import operations
from passport.workforce.importing import ABSENCES, ASSIGNMENTS
from passport.workforce.models import ImportRun
from passport.workforce.schemas import (
    AbsenceCreateSchema,
    AbsenceDumpSchema,
    AbsenceEndSchema,
    AssignmentDumpSchema,
    ImportRunDumpSchema,
    ImportUploadSchema,
    LeaverSchema,
    PersonDumpSchema,
    StaffPageDumpSchema,
    StaffQuerySchema,
    absence_json,
    import_run_json,
)
from passport.workforce.uploads import read_upload, start_import_job


class _UploadParser(FlaskParser):
    """webargs reads form fields and files apart; an upload with options needs both in one schema, so
    here the "files" location (documented as multipart/form-data) holds the form fields too."""

    __location_map__ = {**FlaskParser.__location_map__, "files": "load_form_and_files"}

    def load_form_and_files(self, req, schema):  # type: ignore[no-untyped-def]
        return MultiDictProxy(CombinedMultiDict([req.form, req.files]), schema)


class _WorkforceBlueprint(Blueprint):
    ARGUMENTS_PARSER = _UploadParser()


blueprint = _WorkforceBlueprint(
    "workforce_api", __name__, description="Workforce records: ESR-style imports, staff, absences, leavers"
)


def _user() -> UserAccount:
    return current_user._get_current_object()


def is_partnership_wide(user: UserAccount, action: Action) -> bool:
    # No trust has id -1, so only a partnership-wide rule can allow it.
    return allows(user, action, -1)


def import_limits(user: UserAccount, trust_code: str | None) -> tuple[int | None, int | None]:
    """(trust whose rows alone may be imported, trust the run is recorded under) for this importer."""
    session = get_session()
    only = get_trust(session, trust_code).id if trust_code else None
    if user.trust_id is not None and not is_partnership_wide(user, Action.IMPORT_WORKFORCE):
        if only is not None and only != user.trust_id:
            raise AccessDenied("You may import only your own trust's records.")
        only = user.trust_id
    ensure(user, Action.IMPORT_WORKFORCE, only)
    return only, only


def _import(kind: str, payload: dict[str, Any]) -> Any:
    user = _user()
    only, run_trust = import_limits(user, payload.get("trust"))
    upload = payload["file"]
    if not hasattr(upload, "stream"):
        raise InvalidInput("Send the file as a multipart file part named 'file'.", field="file")
    max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    filename, content = read_upload(upload.stream, upload.filename, max_bytes)
    job = start_import_job(
        get_session(),
        kind=kind,
        filename=filename,
        content=content,
        only_trust_id=only,
        run_trust_id=run_trust,
        partial=payload["partial"],
        max_bytes=max_bytes,
        created_by_id=user.id,
    )
    return accepted(job)


_IMPORT_DOC = (
    "Answers 202 at once with the import's background job, and its `Location` to poll "
    "(`GET /api/v1/background-jobs/<id>`) until `status` is `succeeded` or `failed`. A file that cannot "
    "be read fails the job, with the reason in `error`; otherwise `result` holds the import's counts and "
    "`links.result` its report page, and `GET /api/v1/imports/<run_id>` gives the run with every "
    "rejected row. The same file sent again for the same trust (and the same `partial`) is answered "
    "with the first upload's job: it is imported once."
)


@blueprint.route("/imports/assignments")
class AssignmentImports(MethodView):
    decorators = [login_required]

    @requires(Action.IMPORT_WORKFORCE)
    @blueprint.arguments(ImportUploadSchema, location="files")
    @blueprint.response(202, JobDumpSchema, description=_IMPORT_DOC)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Import an ESR-style assignments extract (CSV or XLSX; HR for their trust, admins any)"""
        return _import(ASSIGNMENTS, payload)


@blueprint.route("/imports/absences")
class AbsenceImports(MethodView):
    decorators = [login_required]

    @requires(Action.IMPORT_WORKFORCE)
    @blueprint.arguments(ImportUploadSchema, location="files")
    @blueprint.response(202, JobDumpSchema, description=_IMPORT_DOC)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Import an ESR-style absences extract (CSV or XLSX; the assignments must be imported first)"""
        return _import(ABSENCES, payload)


def get_import_run(user: UserAccount, run_id: int) -> ImportRun:
    ensure(user, Action.IMPORT_WORKFORCE)
    session = get_session()
    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"There is no import {run_id}.")
    visible = filter_by_scope(
        user, Action.IMPORT_WORKFORCE, select(ImportRun.id).where(ImportRun.id == run_id), ImportRun.trust_id
    )
    if session.scalar(visible) is None:
        raise AccessDenied("This import belongs to another trust.")
    return run


@blueprint.route("/imports/<int:run_id>")
class ImportRunById(MethodView):
    decorators = [login_required]

    @requires(Action.IMPORT_WORKFORCE)
    @blueprint.response(200, ImportRunDumpSchema)
    def get(self, run_id: int):  # type: ignore[no-untyped-def]
        """One import: its status, counts and rejected rows"""
        return import_run_json(get_import_run(_user(), run_id))


def _summary(member: Any, assignments: list[Any]) -> dict[str, Any]:
    return {
        "id": member.id,
        "given_name": member.given_name,
        "family_name": member.family_name,
        "email": member.email,
        "trust": member.trust.ods_code,
        "assignments": assignments,
    }


@blueprint.route("/staff")
class Staff(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_WORKFORCE)
    @blueprint.arguments(StaffQuerySchema, location="query")
    @blueprint.response(200, StaffPageDumpSchema)
    def get(self, query: dict):  # type: ignore[no-untyped-def]
        """Staff with their assignments (HR: own trust; admins: the partnership), filtered and paged"""
        session = get_session()
        filters = operations.StaffFilters(
            staff_group=query.get("staff_group"),
            afc_band=query.get("afc_band"),
            in_post_on=query.get("in_post_on"),
            name=query.get("name"),
            trust_id=get_trust(session, query["trust"]).id if query.get("trust") else None,
        )
        page = operations.list_staff(session, _user(), filters, limit=query["limit"], offset=query["offset"])
        return {
            "items": [_summary(item.member, item.assignments) for item in page.items],
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
        }


@blueprint.route("/staff/<int:staff_id>")
class StaffById(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_WORKFORCE)
    @blueprint.response(200, PersonDumpSchema)
    def get(self, staff_id: int):  # type: ignore[no-untyped-def]
        """A person's assignments and absences (sickness reasons and Bradford factor: HR of her trust)"""
        session, user = get_session(), _user()
        record = operations.person_record(session, user, staff_id)
        record_views(session, user, [record.member.id], record.viewed_as)
        body = _summary(record.member, record.assignments)
        body["absences"] = [absence_json(view.absence, view.show_reason) for view in record.absences]
        bradford = record.bradford
        body["bradford"] = (
            None
            if bradford is None
            else {
                "spells": bradford.spells,
                "days": bradford.days,
                "score": bradford.score,
                "window_start": bradford.window_start,
                "window_end": bradford.window_end,
            }
        )
        return body


@blueprint.route("/staff/<int:staff_id>/absences")
class StaffAbsences(MethodView):
    decorators = [login_required]

    @requires(Action.RECORD_WORKFORCE)
    @blueprint.arguments(AbsenceCreateSchema)
    @blueprint.response(201, AbsenceDumpSchema)
    def post(self, payload: dict, staff_id: int):  # type: ignore[no-untyped-def]
        """Record an absence on one of the person's assignments"""
        user, session = _user(), get_session()
        member = operations.get_staff_member(session, user, staff_id)
        assignment = operations.get_assignment(
            session, user, payload["assignment_id"], Action.RECORD_WORKFORCE
        )
        if assignment.staff_member_id != member.id:
            raise InvalidInput("That assignment is not this person's.", field="assignment_id")
        absence = operations.record_absence(
            session,
            user,
            assignment,
            first_day=payload["first_day"],
            last_day=payload["last_day"],
            category=payload["category"],
            reason_code=payload["reason_code"],
            related_reason=payload["related_reason"],
        )
        return absence_json(absence, show_reason=allows(user, Action.VIEW_SICKNESS_DETAIL, absence.trust_id))


@blueprint.route("/absences/<int:absence_id>")
class AbsenceById(MethodView):
    decorators = [login_required]

    @requires(Action.RECORD_WORKFORCE)
    @blueprint.arguments(AbsenceEndSchema)
    @blueprint.response(200, AbsenceDumpSchema)
    def patch(self, payload: dict, absence_id: int):  # type: ignore[no-untyped-def]
        """End an open absence: give its last day"""
        user, session = _user(), get_session()
        absence = operations.get_absence(session, user, absence_id, Action.RECORD_WORKFORCE)
        operations.end_absence(session, user, absence, last_day=payload["last_day"])
        return absence_json(absence, show_reason=allows(user, Action.VIEW_SICKNESS_DETAIL, absence.trust_id))


@blueprint.route("/assignments/<int:assignment_id>/leaver")
class AssignmentLeaver(MethodView):
    decorators = [login_required]

    @requires(Action.RECORD_WORKFORCE)
    @blueprint.arguments(LeaverSchema)
    @blueprint.response(200, AssignmentDumpSchema)
    def post(self, payload: dict, assignment_id: int):  # type: ignore[no-untyped-def]
        """Record a leaver: end the assignment with a leaving reason"""
        user, session = _user(), get_session()
        assignment = operations.get_assignment(session, user, assignment_id, Action.RECORD_WORKFORCE)
        operations.record_leaver(
            session, user, assignment, end_date=payload["end_date"], leaving_reason=payload["leaving_reason"]
        )
        return assignment
