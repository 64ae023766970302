"""Run the Alembic migrations programmatically, wherever the package is installed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_database(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade_database(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database is at (empty: no schema yet)."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def pending_migrations(engine: Engine) -> bool:
    """True when the database is behind the newest migration (or has no schema at all)."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(hide_password=False)))
    return current_revisions(engine) != set(script.get_heads())
