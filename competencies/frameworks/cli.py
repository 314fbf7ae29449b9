"""Operator commands for frameworks: import-case, export-case, load-cstf; and the demo frameworks."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from competencies.frameworks import operations
from competencies.frameworks.case_export import case_base_uri, export_case_bytes
from competencies.frameworks.case_import import CaseImportRejected, import_case_package
from competencies.frameworks.case_package import (
    CaseAssociation,
    CaseDocument,
    CaseItem,
    CaseNodeLink,
    CasePackage,
    CaseProblem,
    package_to_case_json,
)
from competencies.frameworks.models import FrameworkVersion
from passport.db import get_session
from passport.demo import DEMO_EXTENSIONS, DemoReport
from passport.errors import DomainError


def _base_uri() -> str:
    return case_base_uri(current_app.config["PASSPORT_SETTINGS"].public_url)


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("import-case")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--owner", "ods_code", help="ODS code of the trust owning a local framework; omit for a shared one."
)
@click.option("--publish", is_flag=True, help="Publish at once (default: imported as a draft).")
def import_case_command(file: Path, ods_code: str | None, publish: bool) -> None:
    """Import a CASE 1.1 package JSON FILE; prints the imported document's identifier (and, on standard
    error, a warning per field CASE 1.1 exports and serves differently from how it was sent)."""
    from passport.trusts.operations import get_trust

    session = get_session()
    try:
        owner = get_trust(session, ods_code) if ods_code else None
        warnings: list[CaseProblem] = []
        version = import_case_package(
            session,
            file.read_bytes(),
            actor="cli",
            owner_trust_id=owner.id if owner else None,
            publish=publish,
            warnings=warnings,
        )
    except CaseImportRejected as error:
        for problem in error.problems:
            click.echo(f"{problem.path}: {problem.reason}", err=True)
        _fail(f"{file.name} was not imported ({len(error.problems)} problem(s)); nothing was written.")
    except DomainError as error:
        _fail(error.message)
    for warning in warnings:  # imported all the same: CASE 1.1 writes these fields differently
        click.echo(f"warning: {warning.path}: {warning.reason}", err=True)
    if warnings:
        click.echo(f"{len(warnings)} field(s) are exported and served differently in CASE 1.1.", err=True)
    click.echo(version.document_identifier)


@click.command("export-case")
@with_appcontext
@click.argument("document_id")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def export_case_command(document_id: str, out: Path) -> None:
    """Write the CASE 1.1 package of DOCUMENT_ID (a CFDocument identifier, or a version identifier) to --out.

    When several versions keep one document identifier, the latest is written."""
    session = get_session()
    version = session.scalar(
        select(FrameworkVersion)
        .where(
            (FrameworkVersion.document_identifier == document_id)
            | (FrameworkVersion.identifier == document_id)
        )
        .order_by(FrameworkVersion.id.desc())
        .limit(1)
    )
    if version is None:
        _fail(f"There is no framework document {document_id!r}.")
    out.write_bytes(export_case_bytes(session, version))
    click.echo(f"Wrote {version.title} (version {version.version_label}, {version.status}) to {out}.")


@click.command("load-cstf")
@with_appcontext
def load_cstf_command() -> None:
    """Load the Core Skills Training Framework as a shared, published framework (once)."""
    session = get_session()
    version, created = operations.load_cstf(session, base_uri=_base_uri(), actor="cli")
    click.echo(
        ("Loaded " if created else "Already loaded: ") + f"{version.title} ({version.document_identifier})."
    )


commands = [import_case_command, export_case_command, load_cstf_command]


# --- Demo -----------------------------------------------------------------------------------------------

_DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:staff-passport:frameworks:demo-band5-rn")
BAND5_TITLE = "Band 5 Registered Nurse core competencies"
BAND5_LAST_CHANGED = "2026-11-23T09:00:00+00:00"  # CASE 1.1 requires it on the document, items and links
_BAND5 = {
    "B5.1": ("Domain", "Person-centred care", {
        "B5.1.1": "Assesses, plans, delivers and evaluates person-centred care with the person and family.",
        "B5.1.2": "Recognises deterioration using NEWS2 and escalates promptly.",
        "B5.1.3": "Administers medicines safely, including controlled drugs, following trust policy.",
    }),
    "B5.2": ("Domain", "Safety and quality", {
        "B5.2.1": "Applies infection prevention and control precautions in every care activity.",
        "B5.2.2": "Reports incidents and near misses and takes part in learning from them.",
        "B5.2.3": "Recognises and responds to safeguarding concerns for adults and children.",
    }),
    "B5.3": ("Domain", "Leadership and teamwork", {
        "B5.3.1": "Delegates to and supervises healthcare support workers and students safely.",
        "B5.3.2": "Communicates clearly in handovers using SBAR.",
    }),
    "B5.4": ("Domain", "Mental health practice", {
        "B5.4.1": "Carries out a risk assessment and contributes to a safety plan with the service user.",
        "B5.4.2": "Uses de-escalation techniques before any restrictive intervention.",
    }),
}  # fmt: skip


def band5_package(base_uri: str) -> CasePackage:
    """A small shared framework for the demo, with identifiers that never change."""
    root = base_uri.rstrip("/")

    def uid(code: str) -> str:
        return str(uuid.uuid5(_DEMO_NAMESPACE, code))

    document = CaseDocument(
        identifier=uid("document"),
        uri=f"{root}/CFDocuments/{uid('document')}",
        title=BAND5_TITLE,
        creator="South London Partnership",
        version="1",
        description="Core competencies agreed by the partner trusts for Band 5 registered nurses.",
        language="en",
        adoption_status="Adopted",
        last_change_date_time=BAND5_LAST_CHANGED,
    )
    items: list[CaseItem] = []
    links: list[CaseAssociation] = []

    def add(code: str, statement: str, kind: str, parent: CaseNodeLink, position: int) -> CaseNodeLink:
        item = CaseItem(
            identifier=uid(code),
            uri=f"{root}/CFItems/{uid(code)}",
            full_statement=statement,
            human_coding_scheme=code,
            cf_item_type=kind,
            language="en",
            last_change_date_time=BAND5_LAST_CHANGED,
        )
        items.append(item)
        link = CaseNodeLink(item.identifier, item.uri, code)
        links.append(
            CaseAssociation(
                identifier=uid(f"{code} isChildOf"),
                uri=f"{root}/CFAssociations/{uid(code + ' isChildOf')}",
                association_type="isChildOf",
                origin=link,
                destination=parent,
                sequence_number=position,
                last_change_date_time=BAND5_LAST_CHANGED,
            )
        )
        return link

    top = CaseNodeLink(document.identifier, document.uri, document.title)
    for position, (code, (kind, title, competencies)) in enumerate(_BAND5.items(), start=1):
        domain = add(code, title, kind, top, position)
        for number, (child_code, statement) in enumerate(competencies.items(), start=1):
            add(child_code, statement, "Competency", domain, number)
    return CasePackage(document=document, items=tuple(items), associations=tuple(links))


def seed_frameworks(session: Session, report: DemoReport) -> None:
    """The CSTF and the Band 5 Registered Nurse framework, both shared and published (idempotent)."""
    from passport.config import load_settings

    base = case_base_uri(load_settings().public_url)
    _version, created = operations.load_cstf(session, base_uri=base, actor="seed-demo")
    if created:
        report.notes.append("Loaded the Core Skills Training Framework.")
    package = band5_package(base)
    exists = session.scalar(
        select(FrameworkVersion.id).where(FrameworkVersion.document_identifier == package.document.identifier)
    )
    if exists is None:
        import_case_package(session, package_to_case_json(package), actor="seed-demo", publish=True)
        report.notes.append(f"Published the shared framework '{BAND5_TITLE}'.")


if seed_frameworks not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.insert(0, seed_frameworks)  # before features that refer to framework items
