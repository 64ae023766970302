"""``levelpath report compliance``: the compliance report for one deadline, as a table, CSV or XLSX."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from api.cli.app_commands import _domain_errors_as_click_errors, _session
from api.cli.outputs import OutputFile, write_output


@click.group()
def report() -> None:
    """HR reports."""


@report.command("compliance")
@click.option("--deadline", required=True, type=click.DateTime(["%Y-%m-%d"]), help="A deadline of targets.yaml.")
@click.option("--format", "output", type=click.Choice(["table", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--out", type=OutputFile(), help="Write to this file (xlsx needs it).")
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="The day measured (default: today).")
@click.option("--unit", default=None, help="Only this unit (id or code) and its sub-units.")
@_domain_errors_as_click_errors
def compliance(deadline, output: str, out: Path | None, as_of, unit: str | None) -> None:
    """Per unit and cohort: in scope, at or above the level, share, target, gap, projection; ALL rollups."""
    from core.accounts import Role
    from core.accounts.types import Actor
    from learning import compliance_export
    from learning.compliance import compliance_report
    from learning.queries import resolve_unit

    if output == "xlsx" and out is None:
        raise click.UsageError("--format xlsx writes a file: give --out FILE")
    with _session() as session:
        unit_id = resolve_unit(session, unit).id if unit else None
        # The command line runs with organisation-wide HR rights, or a unit's when --unit is given.
        actor = Actor(id=0, roles=frozenset({Role.HR}), unit_id=unit_id)
        result = compliance_report(session, actor=actor, deadline=_day(deadline), as_of=_day(as_of))
    _warn_unrecognised_roles(result)
    if output == "xlsx":
        _write(out, compliance_export.to_xlsx(result))
        return
    text = compliance_export.to_csv(result) if output == "csv" else compliance_export.to_table(result)
    if out is None:
        click.echo(text, nl=False)
    else:
        _write(out, text.encode("utf-8"))


def _write(out: Path, data: bytes) -> None:
    write_output(out, data)
    click.echo(f"wrote {out}")


def _warn_unrecognised_roles(result) -> None:
    """On stderr, whatever the format: the people no leadership cohort counts until HR corrects their role."""
    people = result.unrecognised_leadership_roles
    if people:
        click.echo(f"note: {len(people)} {'people have' if len(people) != 1 else 'person has'} a leadership role "
                   "that names no rung of the ladder; no cohort that counts leaders counts them until it is "
                   "corrected:", err=True)
        for person in people:
            click.echo(f"  {person.unit} {person.staff_number or '-'} {person.full_name}: {person.leadership_role!r}",
                       err=True)


def _day(value) -> date | None:
    return value.date() if value is not None else None
