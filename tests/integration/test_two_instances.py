"""Two server processes on different ports share one PostgreSQL: an attempt alternating between them completes."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment import services as assessment
from assessment.adaptive import AdaptiveSettings
from assessment.models import Attempt, Response
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import Factory, single_choice_spec

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(database_url: str, media: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "shared-secret-of-both-instances",
           "LEVELPATH_MEDIA_ROOT": str(media)}
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/v1/health")
            if connection.getresponse().status == 200:
                return server, port
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise AssertionError("a server instance did not come up within 60 s")


def _call(port: int, method: str, path: str, token: str, body: dict | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                **(headers or {})})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


@pytest.fixture
def two_instances(empty_database, tmp_path):
    if empty_database.backend != "postgresql":
        pytest.skip("two server processes share PostgreSQL; SQLite is the single-process demo database")
    from api.migrations import upgrade_database

    upgrade_database(empty_database.url)
    with Session(empty_database.engine) as session:
        author, reviewer, admin, candidate = (
            accounts.create_user(session, username=f"{role.value}.two", password="long-enough-pw", roles=[role])
            for role in (Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN, Role.CANDIDATE))
        factory = Factory(session)
        for index in range(40):
            item = factory.approved_item(author, reviewer, **single_choice_spec(
                skill=("grammar", "vocabulary")[index % 2], correct="B"))
            set_irt_parameters(session, item_version_id=item.current_version_id, calibrated_at=None,
                               parameters=IrtParameters(model="2pl", a=1.5, b=-2.5 + 5.0 * index / 39))
        test = assessment.create_test(session, actor=admin.as_actor(), draft=assessment.TestDraft(
            title="Placement", purpose="placement", kind="adaptive",
            adaptive=AdaptiveSettings(min_items=6, max_items=14, selector="maxinfo",
                                      skills=("grammar", "vocabulary"))))
        assessment.publish_test(session, actor=admin.as_actor(), test_id=test.id)
        token = accounts.issue_token(session, user=candidate, name="two")[1]
        session.commit()
        test_id = test.id
    servers = [_serve(empty_database.url, tmp_path / "media") for _ in range(2)]
    yield [port for _, port in servers], token, test_id, empty_database.engine
    for server, _ in servers:
        server.terminate()
        server.wait(timeout=30)


def test_an_attempt_alternating_between_two_instances_completes(two_instances):
    (first, second), token, test_id, engine = two_instances
    ports = [first, second]
    status, attempt = _call(first, "POST", f"/api/v1/tests/{test_id}/attempts", token)
    assert status == 201, attempt
    attempt_id, position, requests = attempt["id"], attempt["items"][0]["position"], 1
    while True:
        port = ports[requests % 2]
        status, saved = _call(port, "PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}", token,
                              {"answer": {"choice": "B" if position % 3 else "A"}},
                              {"Idempotency-Key": f"answer-{position}"})
        assert status == 200, saved
        requests += 1
        # The other instance replays the same answer from the stored key: nothing is recorded twice.
        status, replay = _call(ports[requests % 2], "PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}",
                               token, {"answer": {"choice": "B" if position % 3 else "A"}},
                               {"Idempotency-Key": f"answer-{position}"})
        assert status == 200 and replay["answered_at"] == saved["answered_at"]
        if saved["finished"]:
            break
        position = saved["next_position"]
        status, view = _call(ports[requests % 2], "GET", f"/api/v1/attempts/{attempt_id}", token)
        assert status == 200 and [item["position"] for item in view["items"]] == [position]
    status, result = _call(second, "GET", f"/api/v1/attempts/{attempt_id}/result", token)
    assert status == 200 and result["status"] == "scored" and result["level"] is not None
    with Session(engine) as session:
        answered = session.scalar(select(func.count()).select_from(Response).where(Response.attempt_id == attempt_id))
        assert answered == result["placement"]["items"] == len(session.get(Attempt, attempt_id).administered)
        assert 6 <= answered <= 14
