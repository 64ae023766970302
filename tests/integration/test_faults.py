"""Faults on PostgreSQL: a worker killed with SIGKILL, or the database restarted, mid-attempt loses no answer."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from assessment.models import Attempt, Response
from tests.live_server import call, seed_adaptive_test, serve


def _workers(master: int) -> set[int]:
    """The gunicorn master's child processes (its workers), read from /proc."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.add(int(entry.name))
    return children


def _call_until_served(port: int, *args, **kwargs) -> tuple[int, dict]:
    """The client's retry: a request cut off by the dying worker is sent again (idempotency keys make it safe)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return call(port, *args, **kwargs)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.fixture
def server(empty_database, tmp_path):
    if empty_database.backend != "postgresql":
        pytest.skip("worker processes and PostgreSQL: the production setup")
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to find the worker")
    from api.migrations import upgrade_database

    upgrade_database(empty_database.url)
    test_id, token = seed_adaptive_test(empty_database.engine)
    process, port = serve(empty_database.url, tmp_path / "media")
    yield process, port, test_id, token, empty_database.engine
    process.terminate()
    process.wait(timeout=30)


def test_a_worker_killed_mid_attempt_loses_no_acknowledged_answer(server):
    process, port, test_id, token, engine = server
    status, attempt = call(port, "POST", f"/api/v1/tests/{test_id}/attempts", token)
    assert status == 201, attempt
    attempt_id, position = attempt["id"], attempt["items"][0]["position"]
    acknowledged = []
    for _ in range(3):
        status, saved = call(port, "PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}", token,
                             {"answer": {"choice": "B"}}, {"Idempotency-Key": f"a-{position}"})
        assert status == 200, saved
        acknowledged.append(position)
        position = saved["next_position"]

    before = _workers(process.pid)
    assert before, "no gunicorn worker found"
    for pid in before:
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while not (_workers(process.pid) - before) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers(process.pid) - before, "the master did not start a new worker"

    status, view = _call_until_served(port, "GET", f"/api/v1/attempts/{attempt_id}", token)
    assert status == 200 and [item["position"] for item in view["items"]] == [position]
    with Session(engine) as session:
        stored = session.scalars(select(Response.item_version_id).where(Response.attempt_id == attempt_id)).all()
        assert len(stored) == len(acknowledged) == 3
    while True:  # the attempt goes on to its end on the new worker
        status, saved = _call_until_served(port, "PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}", token,
                                           {"answer": {"choice": "B"}}, {"Idempotency-Key": f"a-{position}"})
        assert status == 200, saved
        if saved["finished"]:
            break
        position = saved["next_position"]
    status, result = call(port, "GET", f"/api/v1/attempts/{attempt_id}/result", token)
    assert status == 200 and result["status"] == "scored"
    with Session(engine) as session:
        answers = session.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))
        assert answers == len(session.get(Attempt, attempt_id).administered) == result["placement"]["items"]


def _local_cluster() -> list[str] | None:
    """pg_ctlcluster, version and name of the local cluster the tests run on, when this process may restart it."""
    control, listing = shutil.which("pg_ctlcluster"), shutil.which("pg_lsclusters")
    if control is None or listing is None or os.geteuid() != 0:
        return None
    url = os.environ.get("TEST_DATABASE_URL", "")
    if "127.0.0.1" not in url and "localhost" not in url:
        return None
    lines = subprocess.run([listing, "--no-header"], capture_output=True, text=True, check=False).stdout
    online = [line.split()[:2] for line in lines.splitlines() if "online" in line]
    return [control, *online[0]] if len(online) == 1 else None


def test_a_database_restart_mid_attempt_loses_nothing_and_the_pool_recovers(server):
    cluster = _local_cluster()
    if cluster is None:
        pytest.skip("needs the local PostgreSQL cluster and the rights to restart it")
    _process, port, test_id, token, engine = server
    status, attempt = call(port, "POST", f"/api/v1/tests/{test_id}/attempts", token)
    assert status == 201, attempt
    attempt_id, position = attempt["id"], attempt["items"][0]["position"]
    for _ in range(2):
        status, saved = call(port, "PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}", token,
                             {"answer": {"choice": "B"}}, {"Idempotency-Key": f"r-{position}"})
        assert status == 200, saved
        position = saved["next_position"]
    control, version, name = cluster
    subprocess.run([control, "--skip-systemctl-redirect", version, name, "restart"], check=True,
                   capture_output=True, timeout=120)
    deadline = time.monotonic() + 60
    while True:  # the same app process, no restart: its pool throws the dead connections away
        status, view = _call_until_served(port, "GET", f"/api/v1/attempts/{attempt_id}", token)
        if status != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200 and [item["position"] for item in view["items"]] == [position]
    while True:
        status, saved = _call_until_served(port, "PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}", token,
                                           {"answer": {"choice": "B"}}, {"Idempotency-Key": f"r-{position}"})
        assert status == 200, saved
        if saved["finished"]:
            break
        position = saved["next_position"]
    with Session(engine) as session:
        answers = session.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))
        assert answers == len(session.get(Attempt, attempt_id).administered) >= 6


def _backend_pid(connection) -> int:
    return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()


def _terminate(engine, pid: int) -> None:
    with engine.connect() as other:
        other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")


def test_a_pooled_connection_that_sat_idle_is_tested_and_replaced_if_it_died(empty_database, monkeypatch):
    if empty_database.backend != "postgresql":
        pytest.skip("connections that the server can cut: PostgreSQL")
    import core.db
    from core.db import make_engine

    engine = make_engine(empty_database.url)
    try:
        with engine.connect() as connection:
            first = _backend_pid(connection)
        _terminate(empty_database.engine, first)
        monkeypatch.setattr(core.db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every connection has sat long enough
        with engine.connect() as connection:  # the ping finds it dead: a new one, and no error
            second = _backend_pid(connection)
        assert second != first

        # Back in use at once (under load), a connection is not pinged: if it died meanwhile, that one
        # request fails (the API answers 503) and the pool throws away every connection of that age.
        monkeypatch.setattr(core.db, "PING_AFTER_IDLE_SECONDS", 3600.0)
        _terminate(empty_database.engine, second)
        with pytest.raises(OperationalError), engine.connect() as connection:
            _backend_pid(connection)
        with engine.connect() as connection:
            assert _backend_pid(connection) not in (first, second)
    finally:
        engine.dispose()
