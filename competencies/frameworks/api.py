"""Competency frameworks in the JSON API: browse, import CASE, versions, drafts, diff, crosswalks,
refresher periods and sign-offs. Access through the one policy; operations do the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, jsonify, request
from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from competencies.frameworks import operations, signoff
from competencies.frameworks.case_export import case_base_uri
from competencies.frameworks.case_import import import_case_package
from competencies.frameworks.case_jobs import MAX_PACKAGE_BYTES, check_upload, is_large, start_case_import
from competencies.frameworks.case_package import CaseProblem
from competencies.frameworks.schemas import (
    CasePackageLoadSchema,
    CaseWarningSchema,
    CrosswalkCreateSchema,
    CrosswalkDumpSchema,
    DiffDumpSchema,
    DiffQuerySchema,
    FrameworkDumpSchema,
    ImportedVersionDumpSchema,
    ImportQuerySchema,
    ItemCreateSchema,
    ItemDetailSchema,
    ItemDumpSchema,
    ItemQuerySchema,
    ItemUpdateSchema,
    NewVersionSchema,
    RefresherDumpSchema,
    RefresherUpdateSchema,
    SignOffCreateSchema,
    SignOffDumpSchema,
    VersionDumpSchema,
    WithdrawSchema,
)
from passport.auth.policy import Action, ensure, requires
from passport.background.api import accepted
from passport.background.schemas import JobDumpSchema
from passport.db import get_session
from passport.errors import NotFound
from passport.trusts.operations import get_trust

blueprint = Blueprint(
    "frameworks_api", __name__, description="Competency frameworks (CASE 1.1), crosswalks, sign-offs"
)


@dataclass
class _ItemDetail:
    item: Any
    associations: list[Any]
    crosswalks: list[Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _public_url() -> str:
    return current_app.config["PASSPORT_SETTINGS"].public_url


def _base_uri() -> str:
    return case_base_uri(_public_url())


@blueprint.route("/frameworks")
class Frameworks(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.response(200, FrameworkDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Every framework with its versions (anyone signed in)"""
        return operations.list_frameworks(get_session())


@blueprint.route("/frameworks/imports")
class FrameworkImports(MethodView):
    decorators = [login_required]
    max_json_bytes = MAX_PACKAGE_BYTES  # a package over 1 MB is stored and imported by a job

    @requires(Action.MANAGE_TRUST_FRAMEWORKS)
    @blueprint.arguments(ImportQuerySchema, location="query")
    @blueprint.arguments(CasePackageLoadSchema)
    @blueprint.response(
        201, ImportedVersionDumpSchema, description="Imported (a package of 1 MB or less), with its warnings"
    )
    @blueprint.response(
        202, JobDumpSchema, description="Over 1 MB: stored and queued; follow the job at Location"
    )
    @blueprint.alt_response(413, description="The package is larger than 50 MB")
    @blueprint.alt_response(422, description="The package was refused; each problem names its JSON path")
    def post(self, query: dict, package: dict):  # type: ignore[no-untyped-def]
        """Import a CASE 1.1 package (admins: shared; HR: its trust's own, with ?owner=ODS)

        All or nothing: a broken package is refused with each problem's JSON path and nothing is written.
        A package whose CFDocument is already stored becomes that framework's next version. A package
        over 1 MB is imported by a background job: the answer is 202 with the job, whose Location to
        poll; the job fails with the same problems, and the same file sent again answers the same job.
        A package valid for CASE 1.0 but not 1.1 imports with a warning per field CASE 1.1 writes
        differently (in the answer's ``warnings``, or the job result's)."""
        user = _user()
        session = get_session()
        owner = get_trust(session, query["owner"]) if query.get("owner") else None
        owner_trust_id = owner.id if owner else None
        operations.ensure_can_manage(user, owner_trust_id)
        content = request.get_data(cache=True)
        check_upload(content, filename=None, content_type=request.mimetype)
        if is_large(content):
            job = start_case_import(
                session,
                content=content,
                filename="package.json",
                owner_trust_id=owner_trust_id,
                publish=query["publish"],
                user=user,
            )
            return accepted(job)
        warnings: list[CaseProblem] = []
        version = import_case_package(
            session,
            package,
            actor=user,
            owner_trust_id=owner_trust_id,
            publish=query["publish"],
            warnings=warnings,
        )
        # Dumped here: the 202 documented above is the decorator that dumps what this method returns.
        created = jsonify(
            {**VersionDumpSchema().dump(version), "warnings": CaseWarningSchema(many=True).dump(warnings)}
        )
        created.status_code = 201
        return created


@blueprint.route("/frameworks/<string:framework_id>")
class FrameworkById(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.response(200, FrameworkDumpSchema)
    def get(self, framework_id: str):  # type: ignore[no-untyped-def]
        """One framework and its versions"""
        return operations.get_framework(get_session(), framework_id)


@blueprint.route("/frameworks/<string:framework_id>/versions")
class FrameworkVersions(MethodView):
    decorators = [login_required]

    @requires(Action.MANAGE_TRUST_FRAMEWORKS)
    @blueprint.arguments(NewVersionSchema)
    @blueprint.response(201, VersionDumpSchema)
    def post(self, payload: dict, framework_id: str):  # type: ignore[no-untyped-def]
        """Start a new version: a draft copy of the latest published one, items linked to predecessors"""
        user = _user()
        session = get_session()
        framework = operations.get_framework(session, framework_id)
        operations.ensure_can_manage(user, framework.owner_trust_id)
        version = operations.start_new_version(
            session, framework, version_label=payload["version_label"], base_uri=_base_uri(), actor=user
        )
        return version


@blueprint.route("/frameworks/versions/<string:version_id>")
class VersionById(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.response(200, VersionDumpSchema)
    def get(self, version_id: str):  # type: ignore[no-untyped-def]
        """One version of a framework"""
        return operations.get_version(get_session(), version_id)


@blueprint.route("/frameworks/versions/<string:version_id>/publish")
class VersionPublish(MethodView):
    decorators = [login_required]

    @requires(Action.MANAGE_TRUST_FRAMEWORKS)
    @blueprint.response(200, VersionDumpSchema)
    def post(self, version_id: str):  # type: ignore[no-untyped-def]
        """Publish a draft; from then on it never changes"""
        user = _user()
        session = get_session()
        version = operations.get_version(session, version_id)
        operations.ensure_can_manage(user, version.framework.owner_trust_id)
        operations.publish_version(session, version, actor=user)
        return version


@blueprint.route("/frameworks/versions/<string:version_id>/items")
class VersionItems(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.arguments(ItemQuerySchema, location="query")
    @blueprint.response(200, ItemDumpSchema(many=True))
    def get(self, query: dict, version_id: str):  # type: ignore[no-untyped-def]
        """The version's items, or those matching ?q= (code or words)"""
        session = get_session()
        version = operations.get_version(session, version_id)
        return operations.search_items(session, version, query.get("q") or "", limit=10_000)

    @requires(Action.MANAGE_TRUST_FRAMEWORKS)
    @blueprint.arguments(ItemCreateSchema)
    @blueprint.response(201, ItemDumpSchema)
    def post(self, payload: dict, version_id: str):  # type: ignore[no-untyped-def]
        """Add an item to a draft (under ``parent``, or at the top)"""
        user = _user()
        session = get_session()
        version = operations.get_version(session, version_id)
        operations.ensure_can_manage(user, version.framework.owner_trust_id)
        item = operations.add_draft_item(
            session,
            version,
            base_uri=_base_uri(),
            actor=user,
            full_statement=payload["full_statement"],
            human_coding_scheme=payload.get("human_coding_scheme"),
            item_type=payload.get("item_type"),
            notes=payload.get("notes"),
            parent_identifier=payload.get("parent"),
        )
        return item


@blueprint.route("/frameworks/versions/<string:version_id>/items/<string:item_id>")
class VersionItem(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.response(200, ItemDetailSchema)
    def get(self, version_id: str, item_id: str):  # type: ignore[no-untyped-def]
        """One item with its associations and crosswalks"""
        session = get_session()
        item = operations.get_item(session, operations.get_version(session, version_id), item_id)
        links = operations.item_links(session, item)
        return _ItemDetail(item, [*links.outgoing, *links.incoming], links.crosswalks)

    @requires(Action.MANAGE_TRUST_FRAMEWORKS)
    @blueprint.arguments(ItemUpdateSchema)
    @blueprint.response(200, ItemDumpSchema)
    def patch(self, payload: dict, version_id: str, item_id: str):  # type: ignore[no-untyped-def]
        """Reword a draft item (a published version is refused with 409)"""
        user = _user()
        session = get_session()
        version = operations.get_version(session, version_id)
        item = operations.get_item(session, version, item_id)
        operations.ensure_can_manage(user, version.framework.owner_trust_id)
        operations.update_draft_item(session, item, actor=user, **payload)
        return item


@blueprint.route("/frameworks/versions/<string:version_id>/diff")
class VersionDiff(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.arguments(DiffQuerySchema, location="query")
    @blueprint.response(200, DiffDumpSchema)
    def get(self, query: dict, version_id: str):  # type: ignore[no-untyped-def]
        """Items added, removed and reworded since the version ?against= names"""
        session = get_session()
        newer = operations.get_version(session, version_id)
        older = operations.get_version(session, query["against"])
        if older.framework_id != newer.framework_id:
            raise NotFound("The two versions belong to different frameworks.", field="against")
        return operations.diff_versions(session, older, newer)


@blueprint.route("/frameworks/crosswalks")
class Crosswalks(MethodView):
    decorators = [login_required]

    @requires(Action.BROWSE_FRAMEWORKS)
    @blueprint.response(200, CrosswalkDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """Every crosswalk between trusts' local competencies and shared ones"""
        return operations.list_crosswalks(get_session())

    @requires(Action.MANAGE_CROSSWALKS)
    @blueprint.arguments(CrosswalkCreateSchema)
    @blueprint.response(201, CrosswalkDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Map a trust's local item to a shared one (HR of that trust, admins)"""
        user = _user()
        session = get_session()
        local_item = operations.get_item(
            session, operations.get_version(session, payload["local_version"]), payload["local_item"]
        )
        shared_item = operations.get_item(
            session, operations.get_version(session, payload["shared_version"]), payload["shared_item"]
        )
        ensure(user, Action.MANAGE_CROSSWALKS, local_item.version.framework.owner_trust_id)
        crosswalk = operations.create_crosswalk(
            session,
            local_item=local_item,
            shared_item=shared_item,
            association_type=payload["association_type"],
            actor=user,
        )
        return crosswalk


@blueprint.route("/frameworks/crosswalks/<string:crosswalk_id>")
class CrosswalkById(MethodView):
    decorators = [login_required]

    @requires(Action.MANAGE_CROSSWALKS)
    @blueprint.response(204)
    def delete(self, crosswalk_id: str):  # type: ignore[no-untyped-def]
        """Remove a crosswalk (HR of its trust, admins)"""
        user = _user()
        session = get_session()
        crosswalk = operations.get_crosswalk(session, crosswalk_id)
        ensure(user, Action.MANAGE_CROSSWALKS, crosswalk.trust_id)
        operations.delete_crosswalk(session, crosswalk, actor=user)
        return ""


@blueprint.route("/frameworks/refresher-settings/<string:ods_code>")
class RefresherSettings(MethodView):
    decorators = [login_required]

    @requires(Action.MANAGE_REFRESHER_SETTINGS)
    @blueprint.response(200, RefresherDumpSchema(many=True))
    def get(self, ods_code: str):  # type: ignore[no-untyped-def]
        """A trust's refresher period for every CSTF subject level (HR of that trust, admins)"""
        session = get_session()
        trust = get_trust(session, ods_code)
        ensure(_user(), Action.MANAGE_REFRESHER_SETTINGS, trust.id)
        return operations.refresher_table(session, trust.id)


@blueprint.route("/frameworks/refresher-settings/<string:ods_code>/<string:subject_code>/<int:level>")
class RefresherSetting(MethodView):
    decorators = [login_required]

    @requires(Action.MANAGE_REFRESHER_SETTINGS)
    @blueprint.arguments(RefresherUpdateSchema)
    @blueprint.response(200, RefresherDumpSchema)
    def put(self, payload: dict, ods_code: str, subject_code: str, level: int):  # type: ignore[no-untyped-def]
        """Set the trust's refresher period, in months, for one CSTF subject level"""
        user = _user()
        session = get_session()
        trust = get_trust(session, ods_code)
        ensure(user, Action.MANAGE_REFRESHER_SETTINGS, trust.id)
        row = operations.set_refresher_months(
            session,
            trust_id=trust.id,
            subject_code=subject_code,
            level=level,
            months=payload["months"],
            actor=user,
        )
        return row


@blueprint.route("/frameworks/sign-offs")
class SignOffs(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_SIGN_OFFS)
    @blueprint.response(200, SignOffDumpSchema(many=True))
    def get(self):  # type: ignore[no-untyped-def]
        """The sign-offs you may see: your own as a nurse, your trust's as HR or assessor, all as admin"""
        return signoff.sign_offs_visible_to(get_session(), _user())

    @requires(Action.SIGN_OFF_COMPETENCY)
    @blueprint.arguments(SignOffCreateSchema)
    @blueprint.response(201, SignOffDumpSchema)
    def post(self, payload: dict):  # type: ignore[no-untyped-def]
        """Record a sign-off (assessors); a competent outcome issues a competency credential at once"""
        user = _user()
        session = get_session()
        version = operations.get_version(session, payload["version"])
        item = operations.get_item(session, version, payload["item"])
        nurse = signoff.find_nurse(
            session, payload["nurse"], partnership_id=user.trust.partnership_id if user.trust else -1
        )
        record = signoff.record_sign_off(
            session,
            assessor=user,
            nurse=nurse,
            item=item,
            proficiency_level=payload["proficiency_level"],
            method=payload["method"],
            outcome=payload["outcome"],
            evidence=payload.get("evidence"),
            assessed_on=payload["assessed_on"],
            review_on=payload["review_on"],
            public_url=_public_url(),
        )
        return record


@blueprint.route("/frameworks/sign-offs/<string:sign_off_id>")
class SignOffById(MethodView):
    decorators = [login_required]

    @requires(Action.VIEW_SIGN_OFFS)
    @blueprint.response(200, SignOffDumpSchema)
    def get(self, sign_off_id: str):  # type: ignore[no-untyped-def]
        """One sign-off you may see"""
        user = _user()
        session = get_session()
        record = signoff.get_sign_off(session, sign_off_id)
        if not signoff.can_see(session, user, record):
            raise NotFound(f"There is no sign-off {sign_off_id!r}.")
        return record


@blueprint.route("/frameworks/sign-offs/<string:sign_off_id>/withdraw")
class SignOffWithdraw(MethodView):
    decorators = [login_required]

    @requires(Action.WITHDRAW_SIGN_OFF)
    @blueprint.arguments(WithdrawSchema)
    @blueprint.response(200, SignOffDumpSchema)
    def post(self, payload: dict, sign_off_id: str):  # type: ignore[no-untyped-def]
        """Withdraw a sign-off; its competency credential is revoked"""
        user = _user()
        session = get_session()
        record = signoff.get_sign_off(session, sign_off_id)
        if not signoff.can_see(session, user, record):
            raise NotFound(f"There is no sign-off {sign_off_id!r}.")
        signoff.withdraw_sign_off(session, record, actor=user, reason=payload.get("reason"))
        return record
