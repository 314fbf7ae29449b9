"""Operator commands: ``flask --app wsgi passport ...``. Each parses and calls operations; the group ends
the command's transaction in one place: committed when it returns, rolled back when it fails."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import current_app, g
from flask.cli import AppGroup

from passport.db import get_session
from passport.errors import DomainError


def _committing(callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            result = callback(*args, **kwargs)
        except BaseException:
            session = g.get("db_session")
            if session is not None:
                session.rollback()
            raise
        session = g.get("db_session")
        if session is not None:
            session.commit()
        return result

    return run


class CommittingGroup(AppGroup):
    """A command group whose every command commits once, when it succeeds."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        if cmd.callback is not None and not getattr(cmd.callback, "_passport_commits", False):
            cmd.callback = _committing(cmd.callback)
            cmd.callback._passport_commits = True  # type: ignore[attr-defined]
        super().add_command(cmd, name)


passport_cli = CommittingGroup("passport", help="Staff Passport operator commands.")


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _settings():  # type: ignore[no-untyped-def]
    return current_app.config["PASSPORT_SETTINGS"]


@passport_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo South London Partnership (adds only what is missing)."""
    from passport.demo import seed_demo

    settings = _settings()
    if settings.is_production:
        _fail(
            "seed-demo is refused in production (PASSPORT_ENV=production): "
            "demo accounts share a known password."
        )
    session = get_session()
    report = seed_demo(session, settings.demo_password)
    click.echo(
        f"Demo partnership ready: {report.trusts_added} trusts, {report.users_added} accounts and "
        f"{report.staff_added} staff records added."
    )
    for note in report.notes:
        click.echo(note)


@passport_cli.command("seed-demo-if-empty")
def seed_demo_if_empty_command() -> None:
    """Load the demo partnership only when the database has no accounts (used by ``make run``)."""
    from passport.auth.operations import count_users

    if count_users(get_session()) == 0:
        seed_demo_command.callback()  # type: ignore[misc]
    else:
        click.echo("Database already has accounts; demo not loaded.")


@passport_cli.command("create-trust")
@click.argument("ods_code")
@click.argument("name")
def create_trust_command(ods_code: str, name: str) -> None:
    """Add a trust to the partnership: ODS code and name."""
    from passport.trusts.operations import create_trust

    session = get_session()
    try:
        trust = create_trust(session, ods_code, name, actor="cli")
    except DomainError as error:
        _fail(error.message)
    click.echo(f"Added {trust.name} ({trust.ods_code}).")


@passport_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["nurse", "hr", "assessor", "director", "admin"]),
)
@click.option("--trust", "ods_code", help="ODS code of the user's trust (not for a partnership admin).")
@click.option(
    "--password-env",
    default="PASSPORT_NEW_USER_PASSWORD",
    show_default=True,
    help="Environment variable holding the password; asked for when it is not set.",
)
def create_user_command(
    email: str, display_name: str, roles: tuple[str, ...], ods_code: str | None, password_env: str
) -> None:
    """Create a user account.

    The password is never taken on the command line, where it would stay in shell history."""
    from passport.auth.models import Role
    from passport.auth.operations import create_user
    from passport.trusts.operations import get_trust

    password = os.environ.get(password_env) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    session = get_session()
    try:
        trust = get_trust(session, ods_code) if ods_code else None
        user = create_user(
            session,
            email=email,
            display_name=display_name,
            password=password,
            roles={Role(r) for r in roles},
            trust_id=trust.id if trust else None,
            actor="cli",
        )
    except DomainError as error:
        _fail(error.message)
    click.echo(f"Created {user.email} with roles {', '.join(sorted(roles))}.")


@passport_cli.command("deactivate-user")
@click.option("--email", required=True)
def deactivate_user_command(email: str) -> None:
    """Deactivate an account: its sessions and API tokens stop working at once."""
    from passport.auth.operations import deactivate_user, find_user_by_email

    session = get_session()
    user = find_user_by_email(session, email)
    if user is None:
        _fail(f"There is no account for {email}.")
    deactivate_user(session, user, actor="cli")
    click.echo(f"Deactivated {user.email}.")


@passport_cli.command("list-trusts")
def list_trusts_command() -> None:
    """Print the partnership's trusts as JSON."""
    from passport.trusts.operations import list_trusts

    click.echo(
        json.dumps([{"ods_code": t.ods_code, "name": t.name} for t in list_trusts(get_session())], indent=2)
    )


@passport_cli.command("check-config")
def check_config_command() -> None:
    """Say which environment and database this instance runs with (never the secrets)."""
    settings = _settings()
    url = settings.database_url.split("@")[-1] if "@" in settings.database_url else settings.database_url
    click.echo(
        f"environment: {settings.environment}\ndatabase: {url}\npublic URL: {settings.public_url}\n"
        f"rate-limit storage: {settings.ratelimit_storage_url.split('@')[-1]}"
    )
