"""Files the commands write: checked when the command line is read, written with a one-line error on failure.

Imports only click, so the numeric commands (``cat simulate``, ``calibrate``) stay free of Flask.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click


def _unwritable_reason(path: Path) -> str | None:
    """Why the file ``path`` cannot be written, or None when it looks writable (nothing is created to find out)."""
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist" if not folder.exists() else f"{folder} is not a folder"
    if path.exists():
        return None if os.access(path, os.W_OK) else "no permission to write it"
    return None if os.access(folder, os.W_OK | os.X_OK) else f"no permission to write in {folder}"


class OutputFile(click.Path):
    """A file option the command writes: refused before any work is done when it could not be written.

    The refusal is a ClickException (exit 1, ``Error: cannot write PATH: REASON``), the same as a write that
    fails later in ``write_output``, so a script sees one error whichever of the two catches it.
    """

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)  # click refuses an existing folder

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = super().convert(value, param, ctx)
        reason = _unwritable_reason(Path(path))
        if reason:
            raise click.ClickException(f"cannot write {path}: {reason}")
        return path


def write_output(path: Path, data: bytes | str) -> None:
    """Write a command's output file (text as UTF-8, line ends as given); a failure OutputFile could not
    foresee (a full disk, a folder removed meanwhile) is still a one-line error, not a traceback."""
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8", newline="")
        else:
            path.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"cannot write {path}: {error.strerror or error}") from None
