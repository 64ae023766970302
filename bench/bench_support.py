"""What the benches share: a PostgreSQL schema of their own, and the real server (gunicorn) started on it."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def schema_url(base: str, schema: str) -> str:
    return make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


@contextmanager
def bench_schema(database_url: str, prefix: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh schema on the server of ``database_url``; yields its URL, drops it afterwards unless ``keep``."""
    from core.db import make_engine

    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = schema_url(database_url, schema)
    try:
        yield url
    finally:
        if keep:
            print(f"kept schema {schema}: {url}")
        else:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(database_url: str, workers: int, media: str | None = None) -> Iterator[int]:
    """``levelpath serve`` (gunicorn, the production setup) on a free port; yields the port once healthy."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": uuid.uuid4().hex,
           "LEVELPATH_MEDIA_ROOT": media or tempfile.mkdtemp(prefix="lp-bench-media-")}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port),
                               "--workers", str(workers)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/api/v1/health")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not come up within 60 s")
            time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
