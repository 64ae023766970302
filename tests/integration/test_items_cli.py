"""``levelpath items import/export`` on the shipped starter bank, on each backend; damaged and hostile files get
one line saying what is wrong, never a traceback."""

from __future__ import annotations

import csv
import json
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.cli import main
from core.accounts import User
from question_bank.models import Item, ItemVersion, Stimulus
from tests.api.test_item_import import XXE, damaged_zip, zip_of

STARTER = Path(str(resources.files("question_bank") / "starter_bank"))


@pytest.fixture
def run(empty_database, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("LEVELPATH_MEDIA_ROOT", str(tmp_path / "media"))
    runner = CliRunner()

    def invoke(*args: str, expect: int = 0):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    invoke("db", "upgrade")
    return invoke


def _catalogue() -> dict[str, dict[str, str]]:
    with (STARTER / "catalogue.csv").open(encoding="utf-8") as handle:
        return {row["identifier"]: row for row in csv.DictReader(handle)}


def test_starter_bank_imports_completely_with_its_types(run, empty_database):
    result = run("items", "import", str(STARTER), "--json")
    report = json.loads(result.stdout)
    catalogue = _catalogue()
    assert len(report) == len(catalogue) >= 150
    assert {entry["status"] for entry in report} == {"created"}, [e for e in report if e["status"] != "created"]
    with Session(empty_database.engine) as session:
        stored = dict(session.execute(select(Item.identifier, Item.type)).all())
    assert stored == {identifier: row["type"] for identifier, row in catalogue.items()}
    assert all(set(entry) == {"source", "item_id", "type", "status", "reason"} for entry in report)

    again = json.loads(run("items", "import", str(STARTER), "--json").stdout)
    assert {entry["status"] for entry in again} == {"unchanged"}


def test_dry_run_writes_nothing(run, empty_database):
    report = json.loads(run("items", "import", str(STARTER), "--dry-run", "--json").stdout)
    assert {entry["status"] for entry in report} == {"created"}
    assert {entry["item_id"] for entry in report} == {None}  # rolled back: the ids will be someone else's
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0


def _contents(engine) -> dict[str, tuple]:
    with Session(engine) as session:
        return {identifier: rest for identifier, *rest
                in session.execute(select(Item.identifier, Item.type, Item.skill, Item.level, Item.expected_seconds,
                                          ItemVersion.content, ItemVersion.scoring, Stimulus.max_plays,
                                          Stimulus.language)
                                   .join(ItemVersion, ItemVersion.id == Item.current_version_id)
                                   .outerjoin(Stimulus, Stimulus.id == Item.stimulus_id))}


def test_export_then_import_gives_the_same_content(run, empty_database, tmp_path, monkeypatch):
    run("items", "import", str(STARTER), "--skill", "reading", "--level", "3")
    package = tmp_path / "bank.zip"
    assert "exported" in run("items", "export", "--format", "qti3", "--out", str(package)).output
    with zipfile.ZipFile(package) as archive:
        assert "imsmanifest.xml" in archive.namelist()
    # into the same bank: nothing changes
    report = json.loads(run("items", "import", str(package), "--json").stdout)
    assert {entry["status"] for entry in report} == {"unchanged"}, [e for e in report if e["status"] != "unchanged"]
    # into a fresh bank: the same items, field for field
    other = tmp_path / "other.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{other}")
    run("db", "upgrade")
    run("items", "import", str(package))
    from core.db import make_engine

    engine = make_engine(f"sqlite:///{other}")
    assert _contents(engine) == _contents(empty_database.engine)
    assert any(seconds for _kind, _skill, _level, seconds, *_rest in _contents(engine).values())
    engine.dispose()


@pytest.mark.parametrize("fmt", ["moodle", "gift"])
def test_export_to_moodle_and_gift_names_what_it_cannot_write(run, tmp_path, fmt):
    run("items", "import", str(STARTER))
    out = tmp_path / f"bank.{fmt}"
    result = run("items", "export", "--format", fmt, "--out", str(out))
    assert out.stat().st_size > 1000
    assert "exported" in result.output


def test_export_into_a_missing_folder_is_a_one_line_error(run, tmp_path):
    nowhere = tmp_path / "no-such-folder" / "bank.gift"
    result = run("items", "export", "--format", "gift", "--out", str(nowhere), expect=1)
    assert f"Error: cannot write {nowhere}: the folder {nowhere.parent} does not exist" in result.output
    assert "Traceback" not in result.output


def test_hostile_file_fails_the_command_and_writes_nothing(run, empty_database, tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text('<?xml version="1.0"?><!DOCTYPE q [<!ENTITY x SYSTEM "file:///etc/passwd">]><quiz>&x;</quiz>')
    result = run("items", "import", str(STARTER / "items"), str(evil), expect=1)
    assert "DTD" in result.output or "entit" in result.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0


def test_import_as_an_author_records_them_and_refuses_a_closed_account(run, empty_database, tmp_path):
    """`--as USER` writes in that person's name, so it must be an account they could sign in with today: a closed
    one (or a leaver's past their last day) is refused and nothing is written."""
    gift = tmp_path / "one.gift"
    gift.write_text("::Q1:: The meeting {=starts ~start ~starting} at nine.\n", encoding="utf-8")
    run("users", "create", "--username", "an.author", "--password", "a-long-author-secret", "--role", "author")
    run("items", "import", str(gift), "--as", "an.author")
    with Session(empty_database.engine) as session:
        author = session.scalar(select(User.id).where(User.username == "an.author"))
        assert session.scalars(select(Item.author_id)).all() == [author]

    run("users", "deactivate", "an.author")
    refused = run("items", "import", str(gift), "--as", "an.author", expect=1)
    assert "the account 'an.author' is closed or its access has ended: it cannot act" in refused.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(ItemVersion)) == 1


def test_a_damaged_zip_is_an_error_line(run, tmp_path):
    package = tmp_path / "bad-crc.zip"
    package.write_bytes(damaged_zip(zip_of({"a.gift": b"::q1::What is 2+2? {=4 ~3 ~5}\n"}), "crc"))
    result = run("items", "import", str(package), expect=1)
    assert f"{package}  (not a readable zip package (member 'a.gift': Bad CRC-32" in result.output
    assert "Traceback" not in result.output


def test_a_refusal_names_the_file_once(run, tmp_path):
    evil = tmp_path / "x.xml"
    evil.write_text(XXE)
    result = run("items", "import", str(evil), expect=1)
    assert f"Error: {evil}: refused XML with a DTD" in result.output
    assert result.output.count(str(evil)) == 1


def test_one_identifier_in_two_files_of_one_command_is_an_error_line(run, empty_database, tmp_path):
    """The paths of one command are one import: the second file's question does not update the item the first's
    has just created (Moodle gives an ID number again in another course's export)."""
    question = ('<quiz><question type="shortanswer"><name><text>{0}</text></name><idnumber>Q1</idnumber>'
                '<questiontext format="html"><text>Capital of {0}?</text></questiontext>'
                '<answer fraction="100"><text>{1}</text></answer></question></quiz>')
    first, second = tmp_path / "first.xml", tmp_path / "second.xml"
    first.write_text(question.format("France", "Paris"), encoding="utf-8")
    second.write_text(question.format("Viet Nam", "Ha Noi"), encoding="utf-8")
    result = run("items", "import", str(first), str(second), expect=1)
    assert "identifier 'Q1' is also that of" in result.output and "earlier in this import" in result.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(ItemVersion)) == 1
        assert "France" in str(session.scalar(select(ItemVersion.content)))
