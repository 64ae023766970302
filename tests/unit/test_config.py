from __future__ import annotations

from datetime import timedelta

import pytest

from api.config import from_environment, load_secret_key


def test_secret_key_is_generated_once_and_then_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert len(first) == 64
    assert load_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_wins_and_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = from_environment(tmp_path)
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'levelpath.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/levelpath")
    assert from_environment(tmp_path)["DATABASE_URL"] == "postgresql+psycopg://db/levelpath"


def test_the_verification_address_is_configured_or_left_to_the_serving_host(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.delenv("LEVELPATH_VERIFY_URL", raising=False)
    assert from_environment(tmp_path)["VERIFY_URL"] == ""  # no fixed host and port: the PDF route supplies its own
    monkeypatch.setenv("LEVELPATH_VERIFY_URL", "https://verify.levelpath.vn/v/")
    assert from_environment(tmp_path)["VERIFY_URL"] == "https://verify.levelpath.vn/v/"


def test_a_browser_session_lasts_twelve_hours_unless_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.delenv("LEVELPATH_SESSION_HOURS", raising=False)
    settings = from_environment(tmp_path)
    assert settings["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=12)  # not Flask's 31 days
    assert settings["REMEMBER_COOKIE_DURATION"] == timedelta(hours=12)
    assert settings["SESSION_REFRESH_EACH_REQUEST"] is False
    monkeypatch.setenv("LEVELPATH_SESSION_HOURS", "8.5")
    assert from_environment(tmp_path)["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=8, minutes=30)
    for wrong in ("0", "-1", "twelve", "nan", "100000"):
        monkeypatch.setenv("LEVELPATH_SESSION_HOURS", wrong)
        with pytest.raises(ValueError, match="LEVELPATH_SESSION_HOURS"):
            from_environment(tmp_path)


def test_trusted_proxies_are_a_small_whole_number(tmp_path, monkeypatch):
    from api.config import from_environment

    monkeypatch.delenv("LEVELPATH_TRUSTED_PROXIES", raising=False)
    assert from_environment(tmp_path, {"SECRET_KEY": "x"})["TRUSTED_PROXIES"] == 0
    monkeypatch.setenv("LEVELPATH_TRUSTED_PROXIES", "2")
    assert from_environment(tmp_path, {"SECRET_KEY": "x"})["TRUSTED_PROXIES"] == 2
    for wrong in ("-1", "one", "6", "1.5", "²"):
        monkeypatch.setenv("LEVELPATH_TRUSTED_PROXIES", wrong)
        with pytest.raises(ValueError, match="LEVELPATH_TRUSTED_PROXIES"):
            from_environment(tmp_path, {"SECRET_KEY": "x"})
