"""``levelpath uploads sweep``: expire stale resumable uploads and delete their partial files (run it from cron)."""

from __future__ import annotations

import click

from api.cli.app_commands import _app, _session


@click.group()
def uploads() -> None:
    """Resumable media uploads."""


@uploads.command("sweep")
def sweep() -> None:
    """Expire uploads past their deadline and delete partial files no unfinished upload needs."""
    from question_bank.uploads import UploadArea, sweep_uploads

    with _app() as app, _session() as session:
        deleted = sweep_uploads(session, UploadArea(app.extensions["levelpath.media"]))
    click.echo(f"deleted {deleted} partial file{'s' if deleted != 1 else ''}")
