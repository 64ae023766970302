"""``levelpath paths refresh`` against a database of its own, on each backend."""

from __future__ import annotations

from click.testing import CliRunner

from api.cli import main


def test_paths_refresh_reports_what_it_checked(empty_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], catch_exceptions=False).exit_code == 0
    result = runner.invoke(main, ["paths", "refresh"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "checked 0 learning paths, 0 changed" in result.output
