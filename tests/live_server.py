"""Real server processes (gunicorn, the production setup) for tests across processes and faults."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from assessment import services as assessment
from assessment.adaptive import AdaptiveSettings
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.factories import Factory, single_choice_spec

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(database_url: str, media: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "shared-secret-of-every-instance",
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


def call(port: int, method: str, path: str, token: str, body: dict | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                                **(headers or {})})
    response = connection.getresponse()
    return response.status, json.loads(response.read() or b"{}")


def seed_adaptive_test(engine: Engine) -> tuple[int, str]:
    """A published adaptive placement test over 40 calibrated items, and a candidate's API token."""
    with Session(engine) as session:
        author, reviewer, admin, candidate = (
            accounts.create_user(session, username=f"{role.value}.live", password="long-enough-pw", roles=[role])
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
        token = accounts.issue_token(session, user=candidate, name="live")[1]
        session.commit()
        return test.id, token
