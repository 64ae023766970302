"""`levelpath db backup` / `db restore`: a seeded service comes back row for row and file for file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from migrations.models import all_models
from tests.conftest import DatabaseUnderTest


def _invoke(monkeypatch, database: DatabaseUnderTest, media: Path, *args: str, ok: bool = True):
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", "backup-test-secret")
    monkeypatch.setenv("LEVELPATH_MEDIA_ROOT", str(media))
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _everything(database: DatabaseUnderTest) -> dict[str, list[tuple]]:
    tables = all_models().sorted_tables
    with database.engine.connect() as connection:
        return {table.name: [tuple(row) for row in connection.execute(
            select(table).order_by(*(table.primary_key.columns or table.columns)))] for table in tables}


def _files(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


@pytest.fixture
def second_database(empty_database, tmp_path) -> Iterator[DatabaseUnderTest]:
    (tmp_path / "restored").mkdir()
    other = DatabaseUnderTest(empty_database.backend, tmp_path / "restored", migrate=False)
    yield other
    other.drop()


def test_a_seeded_service_round_trips_through_a_backup(empty_database, second_database, tmp_path, monkeypatch):
    source_media, target_media, archive = tmp_path / "media-a", tmp_path / "media-b", tmp_path / "lp.tar.gz"
    _invoke(monkeypatch, empty_database, source_media, "db", "upgrade")
    _invoke(monkeypatch, empty_database, source_media, "seed-demo")
    made = _invoke(monkeypatch, empty_database, source_media, "db", "backup", "--out", str(archive))
    assert "media files" in made.output and archive.stat().st_size > 0

    restored = _invoke(monkeypatch, second_database, target_media, "db", "restore", str(archive))
    assert "restored" in restored.output
    before, after = _everything(empty_database), _everything(second_database)
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    assert after == before  # every row, every column: ids, dates, JSON, the items' current versions
    assert sum(len(rows) for rows in before.values()) > 1000
    assert _files(target_media) == _files(source_media) and _files(source_media)

    # New rows get fresh ids after the restored ones; a second restore into a full database is refused.
    _invoke(monkeypatch, second_database, target_media, "users", "create", "--username", "after.restore",
            "--password", "long-enough-secret", "--role", "author")
    refused = _invoke(monkeypatch, second_database, target_media, "db", "restore", str(archive), ok=False)
    assert refused.exit_code != 0 and "not empty" in refused.output


def test_a_file_that_is_not_a_backup_is_refused(empty_database, tmp_path, monkeypatch):
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar file")
    refused = _invoke(monkeypatch, empty_database, tmp_path / "media", "db", "restore", str(bogus), ok=False)
    assert refused.exit_code != 0 and "cannot read" in refused.output
    empty = _invoke(monkeypatch, empty_database, tmp_path / "media", "db", "backup", "--out",
                    str(tmp_path / "x.tar.gz"), ok=False)
    assert empty.exit_code != 0 and "no schema" in empty.output


def test_exact_rating_scores_round_trip_through_a_backup(empty_database, second_database, tmp_path, monkeypatch):
    """Rating scores are Fractions (ExactScore): the backup writes their exact text, the restore reads it back."""
    from datetime import UTC, datetime
    from fractions import Fraction

    from sqlalchemy.orm import Session

    from assessment.rating.models import Benchmark
    from core.accounts import User
    from question_bank.models import Item, ItemVersion

    media, archive = tmp_path / "media", tmp_path / "lp.tar.gz"
    _invoke(monkeypatch, empty_database, media, "db", "upgrade")
    at = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    with Session(empty_database.engine) as session:
        admin = User(username="admin", full_name="A", password_hash="x", roles=["test_admin"], created_at=at)
        session.add(admin)
        session.flush()
        item = Item(type="essay", language="en", status="approved", author_id=admin.id)
        session.add(item)
        session.flush()
        version = ItemVersion(item_id=item.id, number=1, content={}, scoring={}, created_by=admin.id)
        session.add(version)
        session.flush()
        session.add_all([Benchmark(item_version_id=version.id, answer={}, agreed_score=score, created_by=admin.id)
                         for score in (Fraction(17, 3), Fraction(57, 10))])
        session.commit()
    _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(archive))
    _invoke(monkeypatch, second_database, tmp_path / "media-b", "db", "restore", str(archive))
    with Session(second_database.engine) as session:
        assert [b.agreed_score for b in session.query(Benchmark).order_by(Benchmark.id)] == [
            Fraction(17, 3), Fraction(57, 10)]
    assert _everything(second_database) == _everything(empty_database)
