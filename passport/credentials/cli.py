"""Operator commands for keys and verification: ``flask --app wsgi passport ...``."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from passport.config import ConfigurationError
from passport.db import get_session
from passport.errors import DomainError
from passport.formatting import iso


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _trust(ods_code: str):  # type: ignore[no-untyped-def]
    from passport.trusts.operations import get_trust

    try:
        return get_trust(get_session(), ods_code)
    except DomainError as error:
        _fail(error.message)


_WAIT = click.option(
    "--wait",
    is_flag=True,
    help="Re-sign the status lists here and now instead of leaving it to a worker.",
)


def _resign(trust, cause: str, wait: bool) -> None:  # type: ignore[no-untyped-def]
    """Report (and with ``--wait`` run) the job the rotation started to re-sign the status lists."""
    from passport.background.runner import run_inline
    from passport.credentials.keys import start_status_list_resign

    session = get_session()
    # The rotation recorded this job already; asking again by its key answers it.
    job = start_status_list_resign(session, trust, cause=cause, queue=False)
    if not wait:
        click.echo(f"Job {job.id} re-signs the status lists with the new key (a worker runs it).")
        return
    job = run_inline(session, job)
    if job.status != "succeeded":
        _fail(f"re-signing the status lists failed: {job.error}")
    click.echo(f"Re-signed {job.result['resigned']} of {job.result['lists']} status list(s).")


@click.command("rotate-signing-key")
@with_appcontext
@click.option("--trust", "ods_code", required=True, help="ODS code of the trust.")
@_WAIT
def rotate_signing_key_command(ods_code: str, wait: bool) -> None:
    """Make a new signing key for a trust; its current key is retired (it still verifies). A job
    re-signs the trust's status lists with the new key."""
    from passport.credentials.keys import rotate_signing_key

    session = get_session()
    trust = _trust(ods_code)
    try:
        key = rotate_signing_key(session, trust, actor="cli", queue_resign=not wait)
    except ConfigurationError as error:
        _fail(str(error))
    click.echo(f"{trust.ods_code} now signs with {key.key_id} ({key.public_key_multibase}).")
    _resign(trust, "rotation", wait)


@click.command("rotate-kek")
@with_appcontext
def rotate_kek_command() -> None:
    """Re-encrypt every private signing key under the first of PASSPORT_KEY_ENCRYPTION_KEYS.

    Put the new key first and keep the old one after it, run this, then remove the old key."""
    from passport.credentials.keys import rotate_key_encryption

    session = get_session()
    try:
        count = rotate_key_encryption(session, actor="cli")
    except ConfigurationError as error:
        _fail(str(error))
    click.echo(f"Re-encrypted {count} private key(s) under the first key-encryption key.")


@click.command("mark-key-compromised")
@with_appcontext
@click.option("--trust", "ods_code", required=True, help="ODS code of the trust.")
@click.option(
    "--key-id", required=True, help="The key id (the DID URL fragment), such as key-20261123-1a2b3c4d."
)
@click.option("--at", "at", help="When it was compromised (ISO 8601 with a time zone); default now.")
@_WAIT
def mark_key_compromised_command(ods_code: str, key_id: str, at: str | None, wait: bool) -> None:
    """Report a key compromised: what it signed from that moment on stops verifying."""
    from passport.credentials.keys import mark_key_compromised

    moment = None
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            _fail(f"{at!r} is not an ISO 8601 date and time.")
        if moment is not None and moment.tzinfo is None:
            _fail("Give the compromise time with a time zone, such as 2026-11-23T09:00:00+00:00.")
    session = get_session()
    trust = _trust(ods_code)
    try:
        key = mark_key_compromised(session, trust, key_id, at=moment, actor="cli", queue_resign=not wait)
    except DomainError as error:
        _fail(error.message)
    click.echo(f"{trust.ods_code} key {key.key_id} is marked compromised from {iso(key.compromised_at)}.")
    _resign(trust, f"compromise of {key.key_id}", wait)


@click.command("verify")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--proof-only", is_flag=True, help="Check the proofs alone (issuers outside the partnership).")
def verify_command(path: Path, proof_only: bool) -> None:
    """Verify a credential or presentation file; print the report as JSON.

    Exit status: 0 everything verified, 1 anything failed, 2 the input could not be read."""
    from passport.credentials.directory import (
        DocumentTooLarge,
        UnreadableDocument,
        load_verifiable,
        verify_document,
    )

    try:
        raw = path.read_bytes()
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror or error}", 2)
    try:
        document = load_verifiable(raw)
    except (UnreadableDocument, DocumentTooLarge) as error:
        _fail(error.message, 2)
    except DomainError as error:
        # JSON, but not a VC 2.0 credential or presentation: readable, and it does not verify.
        click.echo(
            json.dumps(
                {"kind": "unknown", "verified": False, "problems": [error.message], "credentials": []},
                indent=2,
            )
        )
        sys.exit(1)
    report = verify_document(get_session(), document, proof_only=proof_only)
    click.echo(json.dumps(report.to_dict(), indent=2))
    sys.exit(0 if report.verified else 1)


commands = [rotate_signing_key_command, rotate_kek_command, mark_key_compromised_command, verify_command]
