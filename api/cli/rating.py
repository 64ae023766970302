"""``levelpath rating sweep``: hand overdue marking to other raters, assign waiting rounds (run it from cron)."""

from __future__ import annotations

import click

from api.cli.app_commands import _session


@click.group()
def rating() -> None:
    """Rating of writing and speaking."""


@rating.command("sweep")
def sweep() -> None:
    """Withdraw marking past its deadline and give it, and any round still unassigned, to free raters."""
    from assessment.rating.services import sweep as sweep_marking

    with _session() as session:
        withdrawn, assigned = sweep_marking(session)
    click.echo(f"withdrew {withdrawn} overdue assignment{'s' if withdrawn != 1 else ''}, "
               f"assigned {assigned} round{'s' if assigned != 1 else ''}")
