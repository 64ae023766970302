"""Commands that work on the app and its database: serve, db, seed-demo, users."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import ScriptInfo
from sqlalchemy.orm import Session

from core.accounts.types import Role
from core.errors import DomainError


@contextmanager
def _app() -> Iterator[Flask]:
    """The running app under ``flask --app api``; a fresh one under ``levelpath``."""
    if has_app_context():
        yield current_app._get_current_object()  # type: ignore[attr-defined]
        return
    context = click.get_current_context(silent=True)
    script_info = context.find_object(ScriptInfo) if context else None
    if script_info is not None:
        app = script_info.load_app()
    else:
        from api import create_app

        app = create_app()
    with app.app_context():
        yield app


@contextmanager
def _session() -> Iterator[Session]:
    """A session committed when the command succeeds, rolled back when it fails."""
    from api.db import ENGINE_KEY, SESSIONMAKER_KEY
    from api.migrations import pending_migrations

    with _app() as app:
        if pending_migrations(app.extensions[ENGINE_KEY]):
            raise click.ClickException("the database schema is missing or old: run 'levelpath db upgrade' first")
    with _app() as app, app.extensions[SESSIONMAKER_KEY]() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def _domain_errors_as_click_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except DomainError as error:
            field = f" ({error.field})" if error.field else ""
            raise click.ClickException(f"{error.detail}{field}") from None

    return wrapper


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="gunicorn worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the API with gunicorn."""
    from api.cli.server import run_gunicorn

    with _app() as app:
        database = app.config["DATABASE_URL"].split("@")[-1]
    click.echo(f"LevelPath on http://{host}:{port}/  (database: {database})")
    click.echo(f"API docs:  http://{host}:{port}/api/docs")
    run_gunicorn(host=host, port=port, workers=workers)


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
def upgrade(revision: str) -> None:
    """Create or upgrade the schema with the Alembic migrations."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from api.db import engine
    from api.migrations import alembic_config, current_revisions, upgrade_database

    with _app() as app:
        database_url = app.config["DATABASE_URL"]
        before = current_revisions(engine())
        try:
            upgrade_database(database_url, revision)
        except CommandError as error:  # alembic's wording of an unknown or unreachable revision
            heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
            raise click.ClickException(f"cannot upgrade to {revision!r}: {error}; the newest revision (head) is "
                                       f"{', '.join(heads)}") from None
        after = current_revisions(engine())
    if after == before:  # an upgrade never goes back: a revision at or behind the database's changes nothing
        click.echo(f"database already at {', '.join(sorted(after))}: nothing to upgrade to {revision}")
    else:
        click.echo(f"database upgraded to {revision} ({', '.join(sorted(after))})")


@db.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="The archive to write (.tar.gz): every table's rows and the media files.")
def backup_command(out: Path) -> None:
    """Back up the database and the media files (restores into SQLite or PostgreSQL alike)."""
    from api import backup
    from api.db import ENGINE_KEY

    with _app() as app:
        try:
            summary = backup.backup(app.extensions[ENGINE_KEY], Path(app.config["MEDIA_ROOT"]), out)
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"backed up {sum(summary.rows.values())} rows in {len(summary.rows)} tables and "
               f"{summary.media_files} media files at revision {summary.revision} -> {out}")


@db.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore a backup into an empty database (it is migrated to the backup's revision first)."""
    from api import backup
    from api.db import ENGINE_KEY

    with _app() as app:
        try:
            summary = backup.restore(app.extensions[ENGINE_KEY], app.config["DATABASE_URL"], archive,
                                     Path(app.config["MEDIA_ROOT"]))
        except backup.BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"restored {sum(summary.rows.values())} rows and {summary.media_files} media files "
               f"at revision {summary.revision}")
    _warn_of_certificates_without_key()


def _warn_of_certificates_without_key() -> None:
    """A backup holds no keys: restored on a host with other ones, certificates' codes can be neither shown
    nor verified. Said at once, while the operator can still fetch the old host's keys."""
    from api.db import ENGINE_KEY, SESSIONMAKER_KEY
    from api.migrations import pending_migrations
    from assessment.certification import certificates_without_key

    with _app() as app:
        if pending_migrations(app.extensions[ENGINE_KEY]):
            click.echo("run 'levelpath db upgrade', then serve with the certificate keys of the backed-up server "
                       "(LEVELPATH_CERTIFICATE_KEYS, or its SECRET_KEY)")
            return
        with app.extensions[SESSIONMAKER_KEY]() as session:
            missing = certificates_without_key(session)
    if missing:
        listed = ", ".join(f"{count} signed with {key_id}" for key_id, count in sorted(missing.items()))
        click.echo(f"warning: this server does not hold the keys of {sum(missing.values())} certificates "
                   f"({listed}): their codes can be neither shown nor verified. Serve with the backed-up server's "
                   "LEVELPATH_CERTIFICATE_KEYS, or without it its SECRET_KEY", err=True)


@click.command("seed-demo")
@_domain_errors_as_click_errors
def seed_demo() -> None:
    """Load the organisation, targets, staff, starter items and one demo account per role."""
    from api.demo.seed import seed_demo_data

    with _session() as session, _app() as app:
        report = seed_demo_data(session, media_store=app.extensions["levelpath.media"])
    click.echo(report.summary())
    click.echo("Demo accounts (passwords are new on every run):")
    for account in report.accounts:
        unit = f"  unit {account.unit_id}" if account.unit_id else ""
        click.echo(f"  {account.role:<11} {account.username:<18} {account.password}{unit}")


@click.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--role", "roles", required=True, multiple=True,
              help=f"{', '.join(role.value for role in Role)}; repeat for several.")
@click.option("--unit", default=None, help="Unit id or code the account belongs to (HR: its scope). With "
                                          "--staff-number: the staff record's unit, which it defaults to.")
@click.option("--full-name", default="", help="Default with --staff-number: the staff member's name.")
@click.option("--staff-number", default=None,
              help="Link the account to the staff record with this staff number: that person's levels, path "
                   "and certificates are then found through it.")
@click.option("--organisation-wide", is_flag=True,
              help="With --staff-number: the account keeps no unit (HR: sees every unit) although its staff "
                   "record belongs to one, e.g. the confederation's HR staff.")
@_domain_errors_as_click_errors
def create_user(username: str, password: str, roles: tuple[str, ...], unit: str | None, full_name: str,
                staff_number: str | None, organisation_wide: bool) -> None:
    """Create an account."""
    from core.accounts import services as accounts
    from learning.queries import resolve_unit
    from learning.staff import link_new_account

    known = {r.value for r in Role}
    wanted = [part.strip() for value in roles for part in value.split(",") if part.strip()]
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise click.BadParameter(f"unknown role(s) {', '.join(unknown)}; choose from {', '.join(sorted(known))}",
                                 param_hint="--role")
    if organisation_wide and (unit or not staff_number):
        raise click.UsageError("--organisation-wide goes with --staff-number and without --unit: it keeps the "
                               "account out of the staff record's unit")
    with _session() as session:
        unit_id = resolve_unit(session, unit).id if unit else None
        user = accounts.create_user(session, username=username, password=password,
                                    roles=[Role(r) for r in wanted], unit_id=unit_id, full_name=full_name)
        member = link_new_account(session, staff_number=staff_number, account=user,
                                  organisation_wide=organisation_wide) if staff_number else None
        scope = "" if unit else " (organisation-wide account)" if organisation_wide else " (from the staff record)"
        click.echo(f"created user {user.username} (id {user.id}) with roles {', '.join(user.roles)}"
                   + (f", linked to staff member {member.staff_number} ({member.full_name}) of unit "
                      f"{member.unit.code}{scope}" if member else ""))


@users.command("deactivate")
@click.argument("username")
@click.option("--revoke-tokens", is_flag=True, help="Also revoke the account's API tokens for good.")
@_domain_errors_as_click_errors
def deactivate_user(username: str, revoke_tokens: bool) -> None:
    """Close an account at once: its browser sessions end and its API tokens stop working (its data stays)."""
    from core.accounts import services as accounts

    with _session() as session:
        user = accounts.require_user_by_username(session, username)
        accounts.set_active(session, user=user, active=False)
        revoked = accounts.revoke_all_tokens(session, user=user) if revoke_tokens else 0
    click.echo(f"deactivated {username}: signed out everywhere"
               + (f", {revoked} API token(s) revoked" if revoke_tokens else ""))


@users.command("activate")
@click.argument("username")
@_domain_errors_as_click_errors
def activate_user(username: str) -> None:
    """Open a closed account again (its browser sessions stay ended: the person logs in anew). An account whose
    access ended with a leaver's staff record it is no longer linked to opens too; one still linked to it waits
    for HR to reinstate the person."""
    from core.accounts import services as accounts
    from learning import staff

    with _session() as session:
        user = accounts.require_user_by_username(session, username)
        accounts.set_active(session, user=user, active=True)
        lifted = staff.lift_access_end_of_unlinked(session, user)
        ends_on, usable = user.access_ends_on, accounts.is_usable_today(session, user)
    if lifted is not None:
        note = (f"; its access had ended on {lifted.isoformat()}, the last day employed on a staff record it is no "
                "longer linked to: that end is lifted")
    elif ends_on is None:
        note = ""
    elif usable:
        note = f"; its access ends on {ends_on.isoformat()}, the last day employed on its staff record"
    else:
        note = (f"; but its access ended on {ends_on.isoformat()}, the last day employed on its staff record: it "
                "opens again when HR reinstates the person")
    click.echo(f"activated {username}{note}")


@users.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The new password (asked for when not given); the password rules apply.")
@_domain_errors_as_click_errors
def set_user_password(username: str, password: str) -> None:
    """Set a new password for an account; the browser sessions begun with the old one end."""
    from core.accounts import services as accounts

    with _session() as session:
        accounts.set_password(session, user=accounts.require_user_by_username(session, username), password=password)
    click.echo(f"new password set for {username}; signed out everywhere")


@users.command("revoke-tokens")
@click.argument("username")
@_domain_errors_as_click_errors
def revoke_user_tokens(username: str) -> None:
    """Revoke every API token of an account, e.g. after a leak (the owner can issue new ones)."""
    from core.accounts import services as accounts

    with _session() as session:
        revoked = accounts.revoke_all_tokens(session, user=accounts.require_user_by_username(session, username))
    click.echo(f"revoked {revoked} API token(s) of {username}")


@users.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
@_domain_errors_as_click_errors
def create_token(username: str, name: str) -> None:
    """Issue a personal API token; the token is printed on the last line."""
    from core.accounts import services as accounts

    with _session() as session:
        user = accounts.require_user_by_username(session, username)
        _token, secret = accounts.issue_token(session, user=user, name=name)
    click.echo(f"API token for {username} (send as 'Authorization: Bearer <token>'; shown only once):")
    click.echo(secret)
