"""Two server processes on different ports share one PostgreSQL: an attempt alternating between them completes."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.models import Attempt, Response
from tests.live_server import call as _call
from tests.live_server import seed_adaptive_test
from tests.live_server import serve as _serve

@pytest.fixture
def two_instances(empty_database, tmp_path):
    if empty_database.backend != "postgresql":
        pytest.skip("two server processes share PostgreSQL; SQLite is the single-process demo database")
    from api.migrations import upgrade_database

    upgrade_database(empty_database.url)
    test_id, token = seed_adaptive_test(empty_database.engine)
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
