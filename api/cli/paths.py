"""``levelpath paths refresh``: bring learning paths up to date with new results and positions (cron)."""

from __future__ import annotations

import click

from api.cli.app_commands import _session


@click.group()
def paths() -> None:
    """Learning paths."""


@paths.command("refresh")
def refresh() -> None:
    """Close paths a new certified level meets; re-plan those whose level or required level changed."""
    from learning.paths import refresh_all_paths

    with _session() as session:
        checked, changed = refresh_all_paths(session)
    click.echo(f"checked {checked} learning path{'s' if checked != 1 else ''}, {changed} changed")
