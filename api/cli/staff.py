"""``levelpath staff import``: HR's spreadsheets in, all or nothing, with a row-by-row report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from api.cli.app_commands import _domain_errors_as_click_errors, _session

IMPORT_ACCOUNT = "levelpath-staff-import"


@click.group()
def staff() -> None:
    """Staff records: bulk import from CSV or XLSX."""


@staff.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (dry_run, written, summary, "
              "entries: row, staff_number, status, reasons, staff_id).")
@click.option("--as", "username", default=None,
              help="The HR account to act as, with its unit scope (default: organisation-wide import account).")
@_domain_errors_as_click_errors
def import_staff(path: Path, dry_run: bool, as_json: bool, username: str | None) -> None:
    """Import a staff list (.csv in UTF-8, or .xlsx); nothing is written if any row is rejected.

    \b
    Columns (header row): staff_number, full_name, birth_date (YYYY-MM-DD or DD/MM/YYYY),
    gender (female|male|other), unit (code), category (civil_servant|public_employee);
    optional: leadership_role (a rung such as division_head, or its title: Trưởng phòng), is_leader,
    position (job position title), languages (en;fr), is_language_teacher, is_external_relations,
    username (the person's login account; empty keeps the current link), joined_on and left_on
    (first and last day employed, dates as birth_date; left_on not before joined_on). A known
    staff_number updates that person.

    Exits with status 1 when any row is rejected or the file is refused.
    """
    from core.accounts import Role
    from core.accounts import services as accounts
    from learning.staff_import import import_staff as run_import
    from learning.staff_sheet import MAX_FILE_BYTES, read_staff_file

    if path.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    sheet = read_staff_file(path.read_bytes(), filename=path.name)
    with _session() as session:
        user = accounts.require_usable_user(session, username) if username else \
            accounts.ensure_service_account(session, username=IMPORT_ACCOUNT, roles=[Role.HR],
                                            full_name="LevelPath staff import")
        click.echo(f"checking {len(sheet.rows)} rows of {path.name}", err=True)
        report = run_import(session, actor=user.as_actor(), sheet=sheet, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{'row':>6}  {'staff_number':<14} {'status':<10} reasons")
        for entry in report.entries:
            click.echo(f"{entry.row:>6}  {entry.staff_number or '-':<14} {entry.status:<10} "
                       + "; ".join(entry.reasons))
        if report.ignored_columns:
            click.echo(f"ignored columns: {', '.join(report.ignored_columns)}")
    counts = ", ".join(f"{n} {status}" for status, n in report.summary().items() if n) or "no rows"
    outcome = "written" if report.written else "nothing written"
    click.echo(f"{'dry run: ' if dry_run else ''}{counts}; {outcome}", err=as_json)
    if report.rejected:
        sys.exit(1)
