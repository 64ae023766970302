"""``levelpath rating sweep``: hand overdue marking to other free raters, assign waiting rounds (run it from cron)."""

from __future__ import annotations

import click

from api.cli.app_commands import _session


@click.group()
def rating() -> None:
    """Rating of writing and speaking."""


@rating.command("sweep")
def sweep() -> None:
    """Give marking past its deadline to another free rater, and any round still unassigned; overdue marking that
    no other rater can take stays with its rater and is listed."""
    from assessment.rating.sweep import sweep as sweep_marking

    with _session() as session:
        report = sweep_marking(session)
    click.echo(f"withdrew {report.withdrawn} overdue assignment{'s' if report.withdrawn != 1 else ''}, "
               f"assigned {report.assigned} round{'s' if report.assigned != 1 else ''}")
    if report.still_overdue:
        click.echo(f"still overdue, no other eligible rater free (left with their raters): assignment"
                   f"{'s' if len(report.still_overdue) != 1 else ''} {', '.join(map(str, report.still_overdue))}")
