"""``levelpath items import`` and ``levelpath items export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from api.cli.app_commands import _app, _domain_errors_as_click_errors, _session
from api.cli.outputs import OutputFile, write_output

IMPORT_ACCOUNT = "levelpath-import"


@click.group()
def items() -> None:
    """Move items in and out: QTI 3.0 (and 2.x in), Moodle XML, GIFT."""


@items.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would be created or updated; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as a JSON list (source, item_id, type, "
              "status, reason).")
@click.option("--as", "username", default=None, help="The author to record (default: the import account).")
@click.option("--skill", type=click.Choice(["listening", "reading", "writing", "speaking", "grammar", "vocabulary"]),
              default=None, help="Skill for items whose source does not say.")
@click.option("--level", type=click.IntRange(1, 6), default=None, help="Level for items whose source does not say.")
@_domain_errors_as_click_errors
def import_items(paths: tuple[Path, ...], dry_run: bool, as_json: bool, username: str | None, skill: str | None,
                 level: int | None) -> None:
    """Import files, folders or zip packages; every item gets a line in the report.

    Exits with status 1 when any entry is an error (unsupported questions are reported, not errors).
    """
    from core.accounts import Role
    from core.accounts import services as accounts
    from question_bank.importing import ImportDefaults, import_results, summarise
    from question_bank.interchange.sources import read_path

    with _session() as session, _app() as app:
        savepoint = session.begin_nested() if dry_run else None
        actor_user = accounts.require_usable_user(session, username) if username else \
            accounts.ensure_service_account(session, username=IMPORT_ACCOUNT, roles=[Role.AUTHOR],
                                            full_name="LevelPath import")
        if not actor_user.as_actor().has(Role.AUTHOR):
            raise click.ClickException(f"{actor_user.username} is not an author")
        store = None if dry_run else app.extensions["levelpath.media"]
        with click.progressbar(paths, label="importing", file=sys.stderr,
                               item_show_func=lambda p: str(p) if p else "") as bar:
            # One import over every path: an identifier given twice, in two files, is caught as within one file
            report = import_results(session, actor=actor_user.as_actor(),
                                    results=(result for path in bar for result in read_path(path)),
                                    store=store, defaults=ImportDefaults(skill=skill, level=level))
        if savepoint is not None:
            savepoint.rollback()
    if as_json:
        click.echo(json.dumps([entry.to_dict() for entry in report], ensure_ascii=False, indent=2))
    else:
        for entry in report:
            item = f"item {entry.item_id}" if entry.item_id else "-"
            click.echo(f"{entry.status:<11} {item:<12} {entry.type or '-':<20} {entry.source}"
                       + (f"  ({entry.reason})" if entry.reason else ""))
        counts = ", ".join(f"{n} {status}" for status, n in summarise(report).items() if n)
        click.echo(f"{'dry run, nothing written: ' if dry_run else ''}{counts or 'nothing found'}", err=as_json)
    if any(entry.status == "error" for entry in report):
        sys.exit(1)


@items.command("export")
@click.option("--format", "fmt", type=click.Choice(["qti3", "moodle", "gift"]), required=True)
@click.option("--out", "out", type=OutputFile(), required=True,
              help="The file to write (a .zip content package for qti3).")
@click.option("--status", "statuses", multiple=True,
              type=click.Choice(["draft", "in_review", "approved", "retired"]),
              help="Only items with this status (repeatable; default: all but retired).")
@_domain_errors_as_click_errors
def export_items(fmt: str, out: Path, statuses: tuple[str, ...]) -> None:
    """Export the bank's current versions; items the format cannot carry are listed, not written."""
    from question_bank.exporting import export_items as write, exportable_items

    with _session() as session, _app() as app:
        result = write(exportable_items(session, app.extensions["levelpath.media"], statuses=statuses or None), fmt)
    write_output(out, result.data)
    for skipped in result.skipped:
        click.echo(f"not exported: {skipped.source} ({skipped.type}): {skipped.reason}", err=True)
    click.echo(f"exported {result.exported} items to {out}" +
               (f"; {len(result.skipped)} not exported (listed above)" if result.skipped else ""))
