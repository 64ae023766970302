"""The ``levelpath`` command line.

Commands load lazily so that numeric commands (``cat simulate``, ``calibrate``) start without
importing Flask or touching a database. The app commands are also on ``flask --app api``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask

# command name -> "module:attribute"; each module imports only what its commands need.
LAZY_COMMANDS: dict[str, str] = {
    "cat": "api.cli.cat:cat",
    "calibrate": "api.cli.calibrate:calibrate",
    "serve": "api.cli.app_commands:serve",
    "db": "api.cli.app_commands:db",
    "seed-demo": "api.cli.app_commands:seed_demo",
    "users": "api.cli.app_commands:users",
    "items": "api.cli.items:items",
    "attempts": "api.cli.attempts:attempts",
    "bank": "api.cli.bank:bank",
    "rating": "api.cli.rating:rating",
    "uploads": "api.cli.uploads:uploads",
    "paths": "api.cli.paths:paths",
    "staff": "api.cli.staff:staff",
    "report": "api.cli.report:report",
}
# The commands that need the app; these are the ones added to ``flask --app api``.
APP_COMMANDS = ("serve", "db", "seed-demo", "users", "items", "attempts", "bank", "rating", "uploads", "paths",
                "staff", "report")


def _load(name: str) -> click.Command:
    module_name, attribute = LAZY_COMMANDS[name].split(":")
    return getattr(importlib.import_module(module_name), attribute)


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            return _load(cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
def main() -> None:
    """LevelPath: language assessment and learning paths."""


def register_flask_commands(app: Flask) -> None:
    for name in APP_COMMANDS:
        app.cli.add_command(_load(name), name)
