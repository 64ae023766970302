"""Alembic migrations: the only way LevelPath's schema changes."""
