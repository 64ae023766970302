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


def _invoke(monkeypatch, database: DatabaseUnderTest, media: Path, *args: str, ok: bool = True,
            secret: str = "backup-test-secret"):  # noqa: S107 - a test database's key
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("SECRET_KEY", secret)
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



def _rewritten(archive: Path, out: Path, *, change=lambda name, data: data, extra: dict[str, bytes] | None = None
               ) -> Path:
    """A copy of a backup with ``change(name, data)`` applied to each member's bytes (None: left out) and ``extra``
    members added."""
    import io
    import tarfile

    with tarfile.open(archive, "r:gz") as source, tarfile.open(out, "w:gz") as target:
        members = [(member.name, change(member.name, source.extractfile(member).read()))
                   for member in source.getmembers()]
        for name, data in [*members, *(extra or {}).items()]:
            if data is None:
                continue
            info = tarfile.TarInfo(name)
            info.size = len(data)
            target.addfile(info, io.BytesIO(data))
    return out


def _revision_of(database: DatabaseUnderTest) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _users(database: DatabaseUnderTest) -> list[str]:
    from sqlalchemy import inspect, text

    if "users" not in inspect(database.engine).get_table_names():
        return []
    with database.engine.connect() as connection:
        return list(connection.scalars(text("SELECT username FROM users ORDER BY username")))


def _add_user(database: DatabaseUnderTest, username: str) -> None:
    """An account written in SQL, as a schema older than the models holds it (the CLI wants the latest)."""
    from sqlalchemy import text

    with database.engine.begin() as connection:
        connection.execute(text("INSERT INTO users (username, full_name, password_hash, roles, is_active, created_at) "
                                "VALUES (:name, :name, 'x', '[\"author\"]', true, '2026-11-24 08:00:00+00:00')"),
                           {"name": username})


def test_a_refused_restore_changes_nothing(empty_database, second_database, tmp_path, monkeypatch):
    """What refuses a restore is found before anything is written: a database in use is not migrated first, and
    a backup with an escaping media entry or a torn row puts no row in and no file down."""
    from api.migrations import upgrade_database

    media, archive = tmp_path / "media", tmp_path / "lp.tar.gz"
    _invoke(monkeypatch, empty_database, media, "db", "upgrade")
    _invoke(monkeypatch, empty_database, media, "users", "create", "--username", "alice", "--password",
            "long-enough-secret", "--role", "author")
    _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(archive))

    upgrade_database(second_database.url, "c4d8e2a61f07")  # in use, at an older revision
    _add_user(second_database, "bob")
    refused = _invoke(monkeypatch, second_database, tmp_path / "b-media", "db", "restore", str(archive), ok=False)
    assert refused.exit_code != 0 and "not empty (table users has rows)" in refused.output
    assert (_revision_of(second_database), _users(second_database)) == ("c4d8e2a61f07", ["bob"])

    escaping = _rewritten(archive, tmp_path / "escaping.tar.gz", extra={"media/../../escape.txt": b"x",
                                                                        "media/ab/cd/fine": b"y"})
    torn = _rewritten(archive, tmp_path / "torn.tar.gz",
                      change=lambda name, data: data[:20] if name == "tables/users.jsonl" else data)
    bad_share = b'{"id": 1, "framework": "x", "deadline": "2025-12-31", "cohort": "c", "required_level": 4, ' \
                b'"share_at_or_above": "0.6O"}\n'  # a letter O for a zero: not a decimal
    bad_decimal = _rewritten(archive, tmp_path / "bad-decimal.tar.gz",
                             change=lambda name, data: bad_share if name == "tables/targets.jsonl" else data)
    (tmp_path / "fresh").mkdir()
    fresh = DatabaseUnderTest(empty_database.backend, tmp_path / "fresh", migrate=False)
    try:
        for bad, said in ((escaping, "refusing media entry 'media/../../escape.txt'"),
                          (torn, "tables/users.jsonl line 1 cannot be read"),
                          (bad_decimal, "tables/targets.jsonl line 1 cannot be read")):
            result = _invoke(monkeypatch, fresh, tmp_path / "c-media", "db", "restore", str(bad), ok=False)
            assert result.exit_code != 0 and said in result.output, result.output
            assert _users(fresh) == []  # a retry into the same database is not refused as "not empty"
        assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "c-media").exists()
        assert _revision_of(fresh) is not None  # the torn row was found once the schema was there: rolled back
        restored = _invoke(monkeypatch, fresh, tmp_path / "c-media", "db", "restore", str(archive))
        assert "restored" in restored.output and _users(fresh) == ["alice"]
    finally:
        fresh.drop()


def test_a_database_not_yet_upgraded_is_backed_up_at_its_revision(empty_database, second_database, tmp_path,
                                                                   monkeypatch):
    """New code, old schema: the backup taken before `db upgrade` holds the database as it is, restores to its
    revision, and a failed backup leaves no archive behind."""
    from api.migrations import upgrade_database

    media, archive = tmp_path / "media", tmp_path / "before-upgrade.tar.gz"
    upgrade_database(empty_database.url, "b904710abe18")  # attempts have no presentation_key yet
    _add_user(empty_database, "old")
    from sqlalchemy import text

    with empty_database.engine.begin() as connection:  # a column the models no longer have, NOT NULL there
        connection.execute(text("INSERT INTO login_failures (key, failures, window_started_at) VALUES "
                                "('address:10.0.0.9', 2, '2026-11-24 08:00:00+00:00')"))
    made = _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(archive))
    assert "at revision b904710abe18" in made.output
    _invoke(monkeypatch, second_database, tmp_path / "b-media", "db", "restore", str(archive))
    assert (_revision_of(second_database), _users(second_database)) == ("b904710abe18", ["old"])
    with second_database.engine.connect() as connection:
        assert connection.execute(text("SELECT key, failures, window_started_at IS NOT NULL FROM login_failures")
                                  ).all() == [("address:10.0.0.9", 2, True)]
    _invoke(monkeypatch, second_database, tmp_path / "b-media", "db", "upgrade")
    assert _users(second_database) == ["old"]

    unwritable = tmp_path / "no-such-folder" / "x.tar.gz"
    failed = _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(unwritable), ok=False)
    assert failed.exit_code != 0 and f"cannot write the backup to {unwritable}" in failed.output

    from api import backup

    def disk_full(archive, name: str, data: bytes) -> None:
        if name == "manifest.json":
            raise OSError(28, "No space left on device")
        written(archive, name, data)

    written = backup._add_bytes
    monkeypatch.setattr(backup, "_add_bytes", disk_full)
    cut_short = tmp_path / "cut-short.tar.gz"
    failed = _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(cut_short), ok=False)
    assert "No space left on device" in failed.output
    assert not cut_short.exists() and not list(tmp_path.glob("*.partial"))  # no archive that looks like one


def test_a_damaged_archive_is_refused_and_never_restored_short(empty_database, second_database, tmp_path,
                                                               monkeypatch):
    """Before, a backup missing a table's file restored without it and said every row was restored; one cut
    short ended in click's bare "Aborted!"."""
    import json

    media, archive = tmp_path / "media", tmp_path / "lp.tar.gz"
    _invoke(monkeypatch, empty_database, media, "db", "upgrade")
    for name in ("alice", "bruno"):
        _invoke(monkeypatch, empty_database, media, "users", "create", "--username", name, "--password",
                "long-enough-secret", "--role", "author")
    made = _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(archive))

    def manifest_with(**changes):
        return lambda name, data: json.dumps({**json.loads(data), **changes}).encode() \
            if name == "manifest.json" else data

    def one_user_line(name, data):
        return data.split(b"\n", 1)[0] + b"\n" if name == "tables/users.jsonl" else data

    damaged = {
        "without-users": (lambda name, data: None if name == "tables/users.jsonl" else data,
                          "counts rows of table users but it holds no tables/users.jsonl"),
        "short-users": (one_user_line, "tables/users.jsonl holds 1 rows, the manifest counts 2"),
        "bad-manifest": (manifest_with(rows=["users"]), "manifest is damaged"),
    }
    cases = {name: (_rewritten(archive, tmp_path / f"{name}.tar.gz", change=change), said)
             for name, (change, said) in damaged.items()}
    unknown = _rewritten(archive, tmp_path / "unknown.tar.gz", extra={"tables/rumours.jsonl": b'{"id": 1}\n'})
    cases["unknown"] = (unknown, "tables/rumours.jsonl, a table the database")
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases["cut"] = (cut, "the archive is damaged")
    for path, said in cases.values():
        result = _invoke(monkeypatch, second_database, tmp_path / "b-media", "db", "restore", str(path), ok=False)
        assert result.exit_code != 0 and said in result.output, result.output
        assert _users(second_database) == []
    restored = _invoke(monkeypatch, second_database, tmp_path / "b-media", "db", "restore", str(archive))
    assert _users(second_database) == ["alice", "bruno"]
    backed_up = made.output.split()[2]  # "backed up N rows in ..."
    assert restored.output.startswith(f"restored {backed_up} rows"), (made.output, restored.output)


def test_a_restore_warns_of_certificates_whose_key_the_server_lacks(empty_database, second_database, tmp_path,
                                                                   monkeypatch):
    """A backup holds no keys: restored where SECRET_KEY (the key K1 comes from) differs, the certificates' codes
    can be neither shown nor verified, so the restore says so while the old host's key can still be fetched."""
    from datetime import date

    from sqlalchemy.orm import Session

    from assessment.certification import issue_certificate

    media, archive = tmp_path / "media", tmp_path / "lp.tar.gz"
    _invoke(monkeypatch, empty_database, media, "db", "upgrade")
    _invoke(monkeypatch, empty_database, media, "users", "create", "--username", "holder", "--password",
            "long-enough-secret", "--role", "candidate")  # its app configured the certificate keys
    with Session(empty_database.engine) as session:
        issue_certificate(session, user_id=1, attempt_id=None, test_title="VSTEP", test_kind="vstep",
                          exam_date=date(2026, 11, 20), level=4)
        session.commit()
    _invoke(monkeypatch, empty_database, media, "db", "backup", "--out", str(archive))
    elsewhere = _invoke(monkeypatch, second_database, tmp_path / "b", "db", "restore", str(archive),
                        secret="another-host-secret")
    assert "does not hold the keys of 1 certificates (1 signed with K1)" in elsewhere.output, elsewhere.output
    (tmp_path / "third").mkdir()
    third = DatabaseUnderTest(empty_database.backend, tmp_path / "third", migrate=False)
    try:
        same_keys = _invoke(monkeypatch, third, tmp_path / "c", "db", "restore", str(archive))
        assert "restored" in same_keys.output and "warning" not in same_keys.output
    finally:
        third.drop()
