#!/usr/bin/env python3
"""The two commands of the quick start, needing nothing but Python 3.11+.

    python3 dev.py run    set up .venv, migrate and seed the SQLite demo database, serve on 127.0.0.1:8000
    python3 dev.py test   set up .venv and run the whole test suite (add pytest arguments after it)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# LEVELPATH_VENV puts the environment elsewhere (CI uses a fresh one without touching .venv).
VENV = Path(os.environ.get("LEVELPATH_VENV") or ROOT / ".venv")
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".levelpath-installed"


def _say(message: str) -> None:
    print(f"==> {message}", flush=True)


def _run(*args: str | Path, **kwargs) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def ensure_environment() -> None:
    """Create .venv and install the project with its test extra, again only when pyproject.toml changes."""
    if sys.version_info < (3, 11):
        sys.exit(f"LevelPath needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (BIN / "python").exists():
        _say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    _say("installing LevelPath and its dependencies (first run takes a minute or two)")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[test]")
    STAMP.write_text(wanted)


def run(extra: list[str]) -> None:
    ensure_environment()
    levelpath = BIN / "levelpath"
    _say("migrating the database")
    _run(levelpath, "db", "upgrade")
    _say("loading demo data")
    _run(levelpath, "seed-demo")
    _say("starting the server (Ctrl+C stops it)")
    os.execv(str(levelpath), [str(levelpath), "serve", *extra])


def test(extra: list[str]) -> None:
    ensure_environment()
    result = subprocess.run([str(BIN / "python"), "-m", "pytest", *extra], cwd=ROOT, check=False)
    sys.exit(result.returncode)


def main() -> None:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
