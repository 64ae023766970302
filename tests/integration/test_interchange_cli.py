"""``levelpath items import`` on damaged and hostile files: one line saying what is wrong, never a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from api.cli import main
from tests.api.test_item_import import XXE, damaged_zip, zip_of


@pytest.fixture
def run(empty_database, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("LEVELPATH_MEDIA_ROOT", str(tmp_path / "media"))
    runner = CliRunner()

    def invoke(*args: str, expect: int):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    invoke("db", "upgrade", expect=0)
    return invoke


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
