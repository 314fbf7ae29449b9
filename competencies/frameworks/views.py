"""Framework pages: browse and search, import CASE, versions, drafts, publish, the diff, crosswalks,
refresher periods and the sign-off form. Access through the one policy; operations do the rest."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from competencies.frameworks import operations, signoff
from competencies.frameworks.case_export import case_base_uri
from competencies.frameworks.case_import import CaseImportRejected, import_case_package
from competencies.frameworks.case_jobs import check_upload, is_large, start_case_import
from competencies.frameworks.case_package import CaseProblem
from competencies.frameworks.case_tree import tree_steps
from competencies.frameworks.forms import (
    CrosswalkForm,
    ImportCaseForm,
    ItemForm,
    NewItemForm,
    NewVersionForm,
    RefresherForm,
    SignOffForm,
    WithdrawForm,
)
from competencies.frameworks.models import Framework, FrameworkItem, FrameworkVersion
from competencies.frameworks.removal_views import (
    CROSSWALK_RULE,
    ITEM_RULE,
    delete_crosswalk,
    draft_item_to_change,
    remove_item,
)
from competencies.frameworks.word_diff import word_changes
from passport.audit.links import RecordPage, register_record_page
from passport.auth.models import Role
from passport.auth.policy import Action, allows, ensure
from passport.confirmation import CONFIRMED, confirmed
from passport.db import get_session
from passport.errors import Conflict, DomainError, InvalidInput, NotFound
from passport.forms import attach_domain_error
from passport.navigation import HomeLink, register
from passport.trusts.operations import get_trust, list_trusts

blueprint = Blueprint("frameworks", __name__, url_prefix="/frameworks")
register_record_page(
    "framework_version",
    RecordPage(
        endpoint="frameworks.version",
        argument="version_id",
        action=Action.BROWSE_FRAMEWORKS,
        key=FrameworkVersion.identifier,
        numeric=False,  # a version's identifier is text (a UUID)
    ),
)
# Each asks first: a GET confirmation page, and a POST that acts only when confirmed (removal_views.py).
blueprint.add_url_rule(ITEM_RULE, view_func=remove_item, methods=["GET", "POST"])
blueprint.add_url_rule(CROSSWALK_RULE, view_func=delete_crosswalk, methods=["GET", "POST"])

register(
    *(
        HomeLink(
            role, "Competency frameworks", "frameworks.index", "Shared frameworks, versions and crosswalks."
        )
        for role in Role
    ),
    HomeLink(Role.ASSESSOR, "Sign off a competency", "frameworks.new_sign_off", "Record a nurse's sign-off."),
    HomeLink(Role.ASSESSOR, "Sign-offs", "frameworks.sign_offs", "Sign-offs by your trust's assessors."),
    HomeLink(
        Role.HR, "Refresher periods", "frameworks.refresher_settings", "Your trust's CSTF refresher periods."
    ),
    HomeLink(Role.HR, "Competency sign-offs", "frameworks.sign_offs", "Sign-offs of your trust's nurses."),
    HomeLink(
        Role.NURSE, "Your competency sign-offs", "frameworks.sign_offs", "Competencies assessors signed off."
    ),
)


def _user():  # type: ignore[no-untyped-def]
    return current_user._get_current_object()


def _public_url() -> str:
    return current_app.config["PASSPORT_SETTINGS"].public_url


def _may_manage(framework: Framework) -> bool:
    user = _user()
    if framework.owner_trust_id is None:
        return allows(user, Action.MANAGE_SHARED_FRAMEWORKS)
    return allows(user, Action.MANAGE_TRUST_FRAMEWORKS, framework.owner_trust_id)


def _browse():  # type: ignore[no-untyped-def]
    ensure(_user(), Action.BROWSE_FRAMEWORKS)
    return get_session()


@blueprint.get("")
@login_required
def index():  # type: ignore[no-untyped-def]
    session = _browse()
    user = _user()
    may_import = allows(user, Action.MANAGE_SHARED_FRAMEWORKS) or (
        user.trust_id is not None and allows(user, Action.MANAGE_TRUST_FRAMEWORKS, user.trust_id)
    )
    return render_template(
        "frameworks/index.html",
        frameworks=operations.list_frameworks(session),
        may_import=may_import,
        latest=operations.latest_published,
        draft=operations.current_draft,
    )


@blueprint.route("/import", methods=["GET", "POST"])
@login_required
def import_case():  # type: ignore[no-untyped-def]
    user = _user()
    session = get_session()
    form = ImportCaseForm()
    choices = []
    if allows(user, Action.MANAGE_SHARED_FRAMEWORKS):
        choices.append(("", "The partnership (a shared framework)"))
    for trust in list_trusts(session):
        if allows(user, Action.MANAGE_TRUST_FRAMEWORKS, trust.id) and user.trust_id in (None, trust.id):
            choices.append((trust.ods_code, f"{trust.name} (its own framework)"))
    if not choices:
        ensure(user, Action.MANAGE_SHARED_FRAMEWORKS)  # refuses: this person may import nothing
    form.owner.choices = choices
    problems: list = []
    if form.validate_on_submit():
        upload = form.package.data
        try:
            owner = get_trust(session, form.owner.data) if form.owner.data else None
            owner_trust_id = owner.id if owner else None
            operations.ensure_can_manage(user, owner_trust_id)
            content = upload.read()
            check_upload(content, filename=upload.filename, content_type=upload.mimetype)
            if is_large(content):
                # Queued when this request commits; the job's page follows it, and can be left.
                job = start_case_import(
                    session,
                    content=content,
                    filename=upload.filename or "package.json",
                    owner_trust_id=owner_trust_id,
                    publish=bool(form.publish.data),
                    user=user,
                )
                flash(
                    "The package is large, so it is imported in the background. This page shows how far "
                    "it has got; you can close it and come back.",
                    "success",
                )
                return redirect(url_for("background.job_page", job_id=job.id), 303)
            warnings: list[CaseProblem] = []
            version = import_case_package(
                session,
                content,
                actor=user,
                owner_trust_id=owner_trust_id,
                publish=bool(form.publish.data),
                warnings=warnings,
            )
        except CaseImportRejected as error:
            problems = error.problems
            form.package.errors = [f"The file was not imported: {len(problems)} problem(s), listed below."]
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash(f"Imported {version.title} (version {version.version_label}, {version.status}).", "success")
            if warnings:
                flash(warnings_summary(warnings), "warning")
            return redirect(url_for("frameworks.version", version_id=version.identifier))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("frameworks/import.html", form=form, problems=problems), status


# Shown after an import in a flash message, which travels in the session cookie: kept short.
SHOWN_WARNINGS = 3


def warnings_summary(warnings: list[CaseProblem]) -> str:
    """One message for the page: how many fields CASE 1.1 writes differently, and the first few."""
    shown = "; ".join(f"{w.path}: {w.reason}" for w in warnings[:SHOWN_WARNINGS])
    more = f"; and {len(warnings) - SHOWN_WARNINGS} more" if len(warnings) > SHOWN_WARNINGS else ""
    return (
        f"The package was written for an earlier CASE: {len(warnings)} field(s) are exported and served "
        f"differently in CASE 1.1 ({shown}{more}). The API's import answer and import-case list every one."
    )


@blueprint.route("/<string:framework_id>", methods=["GET", "POST"])
@login_required
def framework(framework_id: str):  # type: ignore[no-untyped-def]
    session = _browse()
    found = operations.get_framework(session, framework_id)
    form = NewVersionForm()
    if request.method == "POST":
        operations.ensure_can_manage(_user(), found.owner_trust_id)
        if form.validate_on_submit():
            try:
                version = operations.start_new_version(
                    session,
                    found,
                    version_label=form.version_label.data or "",
                    base_uri=case_base_uri(_public_url()),
                    actor=_user(),
                )
            except DomainError as error:
                attach_domain_error(form, error)
            else:
                flash(f"Version {version.version_label} started as a draft.", "success")
                return redirect(url_for("frameworks.version", version_id=version.identifier))
    status = 422 if form.errors else 200
    return render_template(
        "frameworks/framework.html",
        framework=found,
        form=form,
        may_manage=_may_manage(found),
        levels=operations.scale_levels(found),
    ), status


@blueprint.get("/versions/<string:version_id>")
@login_required
def version(version_id: str):  # type: ignore[no-untyped-def]
    session = _browse()
    found = operations.get_version(session, version_id)
    query = (request.args.get("q") or "").strip()[:200]
    return render_template(
        "frameworks/version.html",
        version=found,
        query=query,
        results=operations.search_items(session, found, query) if query else None,
        tree=None if query else tree_steps(operations.version_tree(session, found)),
        may_manage=_may_manage(found.framework),
        item_count=operations.version_item_count(session, found),
        case_url=f"/ims/case/v1p1/CFPackages/{found.document_identifier}",
    )


# Publishing and withdrawing cannot be undone, so each asks first: the GET is the confirmation page, and a
# POST acts only with the confirmation form's confirmed=yes (else it goes to the confirmation page).
# Removing a draft's item and a crosswalk ask the same way (removal_views.py, registered at the top).
@blueprint.route("/versions/<string:version_id>/publish", methods=["GET", "POST"])
@login_required
def publish(version_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    found = operations.get_version(session, version_id)
    operations.ensure_can_manage(_user(), found.framework.owner_trust_id)
    operations.ensure_draft(found)
    if request.method == "GET":
        return render_template(
            "frameworks/publish_confirm.html",
            version=found,
            item_count=operations.version_item_count(session, found),
            confirmed=CONFIRMED,
        )
    if not confirmed():
        return redirect(url_for("frameworks.publish", version_id=found.identifier))
    operations.publish_version(session, found, actor=_user())
    flash(f"Version {found.version_label} is published. It will not change from now on.", "success")
    return redirect(url_for("frameworks.version", version_id=found.identifier))


@blueprint.route("/versions/<string:version_id>/items/new", methods=["GET", "POST"])
@login_required
def new_item(version_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    found = operations.get_version(session, version_id)
    operations.ensure_can_manage(_user(), found.framework.owner_trust_id)
    operations.ensure_draft(found)
    form = NewItemForm()
    form.parent.choices = [("", "The top of the framework")] + [
        (item.identifier, f"{item.human_coding_scheme or ''} {item.full_statement[:80]}".strip())
        for item in operations.search_items(session, found, "", limit=2000)
    ]
    if form.validate_on_submit():
        try:
            item = operations.add_draft_item(
                session,
                found,
                base_uri=case_base_uri(_public_url()),
                actor=_user(),
                full_statement=form.full_statement.data or "",
                human_coding_scheme=form.human_coding_scheme.data,
                item_type=form.item_type.data,
                notes=form.notes.data,
                parent_identifier=form.parent.data or None,
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash("Item added to the draft.", "success")
            return redirect(url_for("frameworks.item", version_id=found.identifier, item_id=item.identifier))
    status = 422 if form.errors else 200
    return render_template("frameworks/item_form.html", form=form, version=found, item=None), status


@blueprint.get("/versions/<string:version_id>/items/<string:item_id>")
@login_required
def item(version_id: str, item_id: str):  # type: ignore[no-untyped-def]
    session = _browse()
    found = operations.get_item(session, operations.get_version(session, version_id), item_id)
    form = CrosswalkForm()
    form.shared_version.choices = _shared_version_choices(session)
    return _item_page(session, found, form)


def _item_page(session, found: FrameworkItem, form: CrosswalkForm, status: int = 200):  # type: ignore[no-untyped-def]
    """The item's page; its crosswalk form shows a refused crosswalk's errors (answered 422)."""
    framework_owner = found.version.framework.owner_trust_id
    may_crosswalk = framework_owner is not None and allows(_user(), Action.MANAGE_CROSSWALKS, framework_owner)
    return render_template(
        "frameworks/item.html",
        item=found,
        links=operations.item_links(session, found),
        may_manage=_may_manage(found.version.framework),
        may_crosswalk=may_crosswalk,
        form=form,
        may_delete_crosswalk=lambda c: allows(_user(), Action.MANAGE_CROSSWALKS, c.trust_id),
    ), status


def _shared_version_choices(session) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [
        (v.identifier, f"{v.title} (version {v.version_label})")
        for f in operations.list_frameworks(session)
        if f.is_shared
        for v in f.versions
        if v.is_published
    ]


@blueprint.route("/versions/<string:version_id>/items/<string:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(version_id: str, item_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    found = draft_item_to_change(session, version_id, item_id)
    form = ItemForm(obj=found)
    if form.validate_on_submit():
        try:
            operations.update_draft_item(
                session,
                found,
                actor=_user(),
                full_statement=form.full_statement.data or "",
                human_coding_scheme=form.human_coding_scheme.data or "",
                item_type=form.item_type.data or "",
                notes=form.notes.data or "",
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash("Item saved.", "success")
            return redirect(url_for("frameworks.item", version_id=version_id, item_id=item_id))
    status = 422 if form.errors else 200
    return render_template("frameworks/item_form.html", form=form, version=found.version, item=found), status


@blueprint.post("/versions/<string:version_id>/items/<string:item_id>/crosswalks")
@login_required
def add_crosswalk(version_id: str, item_id: str):  # type: ignore[no-untyped-def]
    session = get_session()
    local_item = operations.get_item(session, operations.get_version(session, version_id), item_id)
    ensure(_user(), Action.MANAGE_CROSSWALKS, local_item.version.framework.owner_trust_id or -1)
    form = CrosswalkForm()
    form.shared_version.choices = _shared_version_choices(session)
    if form.validate_on_submit():
        try:
            shared_version = operations.get_version(session, form.shared_version.data)
            try:
                shared_item = operations.get_item(session, shared_version, form.shared_item.data.strip())
            except NotFound as error:  # the identifier typed: shown beside its box
                raise InvalidInput(error.message, field="shared_item") from error
            operations.create_crosswalk(
                session,
                local_item=local_item,
                shared_item=shared_item,
                association_type=form.association_type.data,
                actor=_user(),
            )
        except DomainError as error:
            attach_domain_error(form, error)  # answered 422 below: nothing of this request is kept
        else:
            flash("Crosswalk added.", "success")
            return redirect(url_for("frameworks.item", version_id=version_id, item_id=item_id))
    return _item_page(session, local_item, form, 422)


@blueprint.get("/versions/<string:version_id>/diff")
@login_required
def diff(version_id: str):  # type: ignore[no-untyped-def]
    session = _browse()
    newer = operations.get_version(session, version_id)
    against = request.args.get("against") or (newer.based_on.identifier if newer.based_on else "")
    if not against:
        raise NotFound("Choose a version to compare with (this one is the first).")
    older = operations.get_version(session, against)
    if older.framework_id != newer.framework_id:
        raise NotFound("The two versions belong to different frameworks.")
    return render_template(
        "frameworks/diff.html", diff=operations.diff_versions(session, older, newer), changes=word_changes
    )


@blueprint.route("/refresher-settings", methods=["GET", "POST"])
@login_required
def refresher_settings():  # type: ignore[no-untyped-def]
    user = _user()
    session = get_session()
    ods = request.args.get("trust") or (user.trust.ods_code if user.trust else None)
    if ods is None:
        ensure(user, Action.MANAGE_REFRESHER_SETTINGS)
        trusts = list_trusts(session)
        if not trusts:
            abort(404)
        ods = trusts[0].ods_code
    trust = get_trust(session, ods)
    ensure(user, Action.MANAGE_REFRESHER_SETTINGS, trust.id)
    form = RefresherForm()
    if form.validate_on_submit():
        try:
            row = operations.set_refresher_months(
                session,
                trust_id=trust.id,
                subject_code=form.subject_code.data or "",
                level=form.level.data or 0,
                months=form.months.data or 0,
                actor=user,
            )
        except DomainError as error:
            attach_domain_error(form, error)
        else:
            flash(f"{row.subject_title}, level {row.level}: refresher every {row.months} months.", "success")
            return redirect(url_for("frameworks.refresher_settings", trust=trust.ods_code))
    status = 422 if form.errors else 200
    return render_template(
        "frameworks/refresher.html",
        form=form,
        trust=trust,
        rows=operations.refresher_table(session, trust.id),
        trusts=list_trusts(session) if user.trust_id is None else [],
    ), status


@blueprint.route("/sign-offs/new", methods=["GET", "POST"])
@login_required
def new_sign_off():  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.SIGN_OFF_COMPETENCY)
    session = get_session()
    versions = [
        v for f in operations.list_frameworks(session) for v in f.versions if v.is_published and f.is_shared
    ] + [
        v
        for f in operations.list_frameworks(session)
        for v in f.versions
        if v.is_published and f.owner_trust_id == user.trust_id and user.trust_id is not None
    ]
    chosen: FrameworkVersion | None = None
    wanted = request.values.get("version")
    if wanted:
        chosen = operations.get_version(session, wanted)
        if not chosen.is_published:
            raise NotFound("Sign-offs are made against published versions only.")
    form = SignOffForm()
    if chosen is not None:
        form.item.choices = [
            (i.identifier, f"{i.human_coding_scheme or ''} {i.full_statement[:100]}".strip())
            for i in operations.search_items(session, chosen, "", limit=2000)
        ]
        form.proficiency_level.choices = [
            (lv.code, lv.label) for lv in operations.scale_levels(chosen.framework)
        ]
        if form.validate_on_submit():
            try:
                nurse = signoff.find_nurse(
                    session,
                    form.nurse.data or "",
                    partnership_id=user.trust.partnership_id if user.trust else -1,
                )
                record = signoff.record_sign_off(
                    session,
                    assessor=user,
                    nurse=nurse,
                    item=operations.get_item(session, chosen, form.item.data),
                    proficiency_level=form.proficiency_level.data,
                    method=form.method.data,
                    outcome=form.outcome.data,
                    evidence=form.evidence.data,
                    assessed_on=form.assessed_on.data,
                    review_on=form.review_on.data,
                    public_url=_public_url(),
                )
            except DomainError as error:
                attach_domain_error(form, error)
            else:
                issued = " A competency credential is now in their passport." if record.credential_uri else ""
                flash(f"Sign-off recorded for {record.staff_member.full_name}.{issued}", "success")
                return redirect(url_for("frameworks.sign_offs"))
    status = 422 if form.errors else 200
    return render_template(
        "frameworks/sign_off_form.html", form=form, versions=versions, chosen=chosen
    ), status


@blueprint.get("/sign-offs")
@login_required
def sign_offs():  # type: ignore[no-untyped-def]
    user = _user()
    session = get_session()
    records = signoff.sign_offs_visible_to(session, user)
    return render_template(
        "frameworks/sign_offs.html",
        records=records,
        form=WithdrawForm(),
        may_withdraw=lambda r: (
            r.withdrawn_at is None and allows(user, Action.WITHDRAW_SIGN_OFF, r.assessor_trust_id)
        ),
    )


@blueprint.route("/sign-offs/<string:sign_off_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_sign_off(sign_off_id: str):  # type: ignore[no-untyped-def]
    user = _user()
    ensure(user, Action.WITHDRAW_SIGN_OFF)
    session = get_session()
    record = signoff.get_sign_off(session, sign_off_id)
    if not signoff.can_see(session, user, record):
        raise NotFound(f"There is no sign-off {sign_off_id!r}.")
    form = WithdrawForm()
    if request.method == "POST" and not confirmed():
        return redirect(url_for("frameworks.withdraw_sign_off", sign_off_id=record.identifier))
    if request.method == "POST" and form.validate_on_submit():
        signoff.withdraw_sign_off(session, record, actor=user, reason=form.reason.data)
        revoked = "; its credential is revoked" if record.credential_uri else ""
        flash(f"Sign-off of {record.staff_member.full_name} withdrawn{revoked}.", "success")
        return redirect(url_for("frameworks.sign_offs"))
    ensure(user, Action.WITHDRAW_SIGN_OFF, record.assessor_trust_id)
    if record.withdrawn_at is not None:
        raise Conflict("This sign-off is already withdrawn.", field="sign_off")
    page = render_template("frameworks/withdraw_confirm.html", record=record, form=form, confirmed=CONFIRMED)
    return page, 422 if form.errors else 200
