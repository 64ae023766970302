"""Locust users for bench/load/run.py: candidates taking adaptive placement tests, a bare endpoint, a signed-in read.

Settings come from the environment (set by run.py): LOAD_ACCOUNTS (JSON file of candidates),
LOAD_TEST_ID, LOAD_THINK ("min,max" seconds between answers; "0,0" for a capacity run), LOAD_USERS.
Users: Candidate (the campaign), Bare (the ceiling) and SignedIn (a reference: a signed-in read of one row).

The statistics are reset once the last of the LOAD_USERS users has logged in (a candidate: and started an attempt):
logins are deliberately slow (Argon2), so while candidates are still arriving the server is busy hashing
passwords; the figures are those of the campaign that follows, every candidate at work.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import uuid

from locust import HttpUser, between, constant, task
from locust.exception import StopUser

_accounts = json.loads(open(os.environ.get("LOAD_ACCOUNTS", "/dev/null")).read() or "[]")  # noqa: SIM115
_next = itertools.count()
_lock = threading.Lock()
_think = [float(x) for x in os.environ.get("LOAD_THINK", "0,0").split(",")]
_expected = int(os.environ.get("LOAD_USERS", "0"))
_started = itertools.count(1)


def _one_more_started(environment) -> None:
    """Count a user at work; when all are, start the statistics afresh."""
    with _lock:
        if next(_started) == _expected:
            environment.runner.stats.reset_all()


def _log_in(user: HttpUser) -> dict[str, str]:
    """Sign the next account of LOAD_ACCOUNTS in; the CSRF header its changes carry."""
    with _lock:
        index = next(_next)
    if index >= len(_accounts):
        raise StopUser()
    login = user.client.post("/api/v1/auth/login", json=_accounts[index], name="login")
    return {"X-CSRF-Token": login.json()["csrf_token"]}


class Candidate(HttpUser):
    """Logs in, starts an adaptive placement attempt, answers until it stops, reads the result; again."""

    wait_time = between(*_think) if _think[1] > 0 else constant(0)

    def on_start(self) -> None:
        self.csrf = _log_in(self)
        self.attempt_id = None

    @task
    def step(self) -> None:
        if self.attempt_id is None:
            started = self.client.post(f"/api/v1/tests/{os.environ['LOAD_TEST_ID']}/attempts", headers=self.csrf,
                                       name="start attempt")
            body = started.json()
            self.attempt_id, self.position = body["id"], body["items"][0]["position"]
            if not getattr(self, "counted", False):
                self.counted = True
                _one_more_started(self.environment)
            return
        saved = self.client.put(f"/api/v1/attempts/{self.attempt_id}/responses/{self.position}",
                                json={"answer": {"choice": "B" if self.position % 3 else "A"}},
                                headers={**self.csrf, "Idempotency-Key": uuid.uuid4().hex}, name="answer")
        body = saved.json()
        if body.get("finished"):
            self.client.get(f"/api/v1/attempts/{self.attempt_id}/result", name="result")
            self.attempt_id = None
        else:  # the next item comes with the answer, as a candidate's screen shows it: no second request
            self.position = body["next_item"]["position"]


class Bare(HttpUser):
    """The ceiling: a JSON endpoint that touches nothing, on the same server."""

    wait_time = constant(0)

    @task
    def ping(self) -> None:
        self.client.get("/api/v1/ping", name="ping")


class SignedIn(HttpUser):
    """A reference between the two: a signed-in request that reads its account (identity and one row)
    and writes nothing; what any signed-in request costs before it does its own work."""

    wait_time = constant(0)

    def on_start(self) -> None:
        _log_in(self)
        _one_more_started(self.environment)

    @task
    def me(self) -> None:
        self.client.get("/api/v1/auth/me", name="me")
