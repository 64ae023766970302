"""``levelpath attempts sweep``: close and score attempts whose time ran out (run it from cron)."""

from __future__ import annotations

import click

from api.cli.app_commands import _session


@click.group()
def attempts() -> None:
    """Attempts at tests."""


@attempts.command("sweep")
def sweep() -> None:
    """Close and score every attempt whose deadline has passed (they also close on their next access)."""
    from assessment.services import close_expired_attempts

    with _session() as session:
        closed = close_expired_attempts(session)
    click.echo(f"closed {closed} attempt{'s' if closed != 1 else ''} whose time ran out")
