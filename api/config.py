"""Configuration from the environment, with zero-setup defaults under instance/."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

MAX_REQUEST_BYTES = 1024 * 1024
# Shared computers at the centre: a browser session signed in in the morning is over by the next day.
DEFAULT_SESSION_HOURS = 12
MAX_SESSION_HOURS = 24 * 366


def session_lifetime() -> timedelta:
    """How long a browser session lasts from its login (LEVELPATH_SESSION_HOURS). Raises ValueError."""
    raw = os.environ.get("LEVELPATH_SESSION_HOURS", "").strip() or str(DEFAULT_SESSION_HOURS)
    try:
        hours = float(raw)
    except ValueError:
        hours = float("nan")
    if not 0 < hours <= MAX_SESSION_HOURS:
        raise ValueError(f"LEVELPATH_SESSION_HOURS={raw!r}: the hours a browser session lasts from its login, "
                         f"a number above 0 and at most {MAX_SESSION_HOURS} (default {DEFAULT_SESSION_HOURS})")
    return timedelta(hours=hours)


MAX_TRUSTED_PROXIES = 5


def trusted_proxies() -> int:
    """How many reverse proxies in front of the server set X-Forwarded-For and -Proto (LEVELPATH_TRUSTED_PROXIES).

    Behind one, every client comes from the proxy's address: the login pause per address would pause all of them
    together, and a request would not know it came over HTTPS. Raises ValueError."""
    raw = os.environ.get("LEVELPATH_TRUSTED_PROXIES", "").strip() or "0"
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_TRUSTED_PROXIES:
        raise ValueError(f"LEVELPATH_TRUSTED_PROXIES={raw!r}: how many reverse proxies stand in front of the server, "
                         f"a whole number from 0 to {MAX_TRUSTED_PROXIES} (default 0: none)")
    return int(raw)


def load_secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else the one generated into instance/ on first start."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # O_EXCL: when several workers start at once, exactly one writes the key, the rest read it.
        try:
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def from_environment(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The settings, with ``overrides`` (e.g. a test's) taking precedence over the environment."""
    overrides = overrides or {}
    default_db = f"sqlite:///{instance_path / 'levelpath.db'}"
    if "DATABASE_URL" not in overrides and "DATABASE_URL" not in os.environ:
        instance_path.mkdir(parents=True, exist_ok=True)
    session_length = session_lifetime()
    settings = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        "MEDIA_ROOT": os.environ.get("LEVELPATH_MEDIA_ROOT", str(instance_path / "media")),
        "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("LEVELPATH_SECURE_COOKIES", "0") == "1",
        # Counted from the login by api.auth (absolute); Flask also refuses a cookie signed longer ago. Nothing
        # renews the cookie on each response: the session is not permanent, and would not be refreshed if it were.
        "PERMANENT_SESSION_LIFETIME": session_length,
        "TRUSTED_PROXIES": trusted_proxies(),
        "SESSION_REFRESH_EACH_REQUEST": False,
        "REMEMBER_COOKIE_DURATION": session_length,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": os.environ.get("LEVELPATH_SECURE_COOKIES", "0") == "1",
        "API_TITLE": "LevelPath",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "v1/openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
    }
    settings.update(overrides)
    if "SECRET_KEY" not in settings:
        settings["SECRET_KEY"] = load_secret_key(instance_path)
    settings.setdefault("CERTIFICATE_KEYS", os.environ.get("LEVELPATH_CERTIFICATE_KEYS", ""))
    settings.setdefault("CENTRE_NAME", os.environ.get("LEVELPATH_CENTRE_NAME", "LevelPath assessment centre"))
    # The public verification address printed on certificates (code appended); empty: the address the
    # certificate is downloaded from, /api/v1/verify/.
    settings.setdefault("VERIFY_URL", os.environ.get("LEVELPATH_VERIFY_URL", ""))
    return settings


def certificate_keys(settings: dict[str, Any]) -> tuple[str, dict[str, bytes]]:
    """Keys as ``ID:hex,ID:hex`` (the first one signs); without any, one derived from SECRET_KEY."""
    text = settings.get("CERTIFICATE_KEYS") or ""
    if not text:
        derived = hashlib.sha256(b"levelpath certificate key\x00" + settings["SECRET_KEY"].encode()).digest()
        return "K1", {"K1": derived}
    pairs = [part.strip().split(":", 1) for part in text.split(",") if part.strip()]
    return pairs[0][0], {key_id: bytes.fromhex(value) for key_id, value in pairs}
