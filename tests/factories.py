"""Test data builders. Faker with a fixed seed keeps names stable between runs."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from core.accounts import Role, User
from core.accounts import services as accounts
from core.accounts.security import hash_password
from learning.models import Unit
from question_bank import review
from question_bank import services as question_bank

TEST_PASSWORD = "correct-horse-battery"
# Hashing once keeps hundreds of test users cheap; login tests still go through Argon2.
_PASSWORD_HASH = hash_password(TEST_PASSWORD)
_fake = Faker("vi_VN")
_fake.seed_instance(1234)
_sequence = itertools.count(1)


@contextmanager
def statements_run(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` meanwhile, whitespace folded (the tests' savepoints left out)."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        if "SAVEPOINT" not in statement:
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class ApiClient:
    """A Flask test client that authenticates every request with one user's API token."""

    def __init__(self, client: FlaskClient, token: str, user: User) -> None:
        self.client, self.token, self.user = client, token, user

    def _call(self, method: str, url: str, **kwargs: Any):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any):
        return self._call("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any):
        return self._call("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any):
        return self._call("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any):
        return self._call("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any):
        return self._call("DELETE", url, **kwargs)


def published_test(test_admin: ApiClient, item_ids: list[int], **fields: Any) -> dict[str, Any]:
    """A fixed test created and published over HTTP by ``test_admin`` (default: a practice test, level 1 for
    any score); ``fields`` replace the defaults. Returns the created test."""
    created = test_admin.post("/api/v1/tests", json={
        "title": "Fixed", "purpose": "practice", "item_ids": item_ids, "cut_scores": [{"level": 1, "min_score": 0}],
        **fields})
    assert created.status_code == 201, created.json
    published = test_admin.post(f"/api/v1/tests/{created.json['id']}/publish")
    assert published.status_code == 200, published.json
    return created.json


def single_choice_spec(level: int = 3, skill: str = "grammar", correct: str = "B") -> dict[str, Any]:
    return {
        "type": "single_choice",
        "skill": skill,
        "level": level,
        "content": {
            "stem": f"Choose the word that fits ({next(_sequence)}): The meeting ___ at nine.",
            "options": [{"id": "A", "text": "start"}, {"id": "B", "text": "starts"},
                        {"id": "C", "text": "starting"}, {"id": "D", "text": "to start"}],
        },
        "scoring": {"correct": correct},
    }


CLOCK_START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeClock:
    """The server's clock under a test's control (install it with the ``fake_clock`` fixture)."""

    def __init__(self, start: datetime = CLOCK_START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.now = moment


class Factory:
    def __init__(self, session: Session) -> None:
        self.session = session

    def unit(self, group: str = "vgcl_department") -> Unit:
        unit = Unit(code=f"T{next(_sequence)}", name=f"Test unit {_fake.city()}", group=group)
        self.session.add(unit)
        self.session.flush()
        return unit

    def user(self, *roles: str, unit: Unit | None = None, username: str | None = None) -> User:
        user = User(username=username or f"{roles[0]}{next(_sequence)}", full_name=_fake.name(),
                    password_hash=_PASSWORD_HASH, roles=[Role(r).value for r in roles],
                    unit_id=unit.id if unit else None)
        self.session.add(user)
        self.session.flush()
        return user

    def token_for(self, user: User) -> str:
        _token, secret = accounts.issue_token(self.session, user=user, name="test")
        return secret

    def approved_item(self, author: User, reviewer: User, **spec: Any):
        draft = question_bank.ItemDraft(**{**single_choice_spec(), **spec})
        item = question_bank.create_item(self.session, author=author.as_actor(), draft=draft)
        review.submit_item(self.session, actor=author.as_actor(), item_id=item.id)
        review.approve_item(self.session, actor=reviewer.as_actor(), item_id=item.id)
        return item

    def vstep_items(self, author: User, reviewer: User) -> dict[str, list[int]]:
        """Approved items for one VSTEP.3-5 form: 35 listening, 4 reading passages of 10, 2 essays, 3 talks.

        Every objective item's key is "B".
        """
        listening = [self.approved_item(author, reviewer, **single_choice_spec(skill="listening")).id
                     for _ in range(35)]
        reading = []
        for passage in range(4):
            stimulus = question_bank.create_stimulus(
                self.session, actor=author.as_actor(), title=f"Passage {passage + 1}",
                body=f"<p>{_fake.paragraph(nb_sentences=6)} ({next(_sequence)})</p>")
            reading += [self.approved_item(author, reviewer, **single_choice_spec(skill="reading"),
                                           stimulus_id=stimulus.id).id for _ in range(10)]
        email = question_bank.create_stimulus(  # task 1 answers a letter or an email
            self.session, actor=author.as_actor(), title="An email from a colleague",
            body=f"<p>Could you tell me about the training course you went to? ({next(_sequence)})</p>")
        writing = [self.approved_item(author, reviewer, type="essay", skill="writing", content={
            "stem": f"Write task {task} ({next(_sequence)})", "min_words": 120 * task, "max_words": 200 * task},
            scoring={"rubric": f"vstep-writing-task{task}"}, stimulus_id=email.id if task == 1 else None).id
            for task in (1, 2)]
        speaking = [self.approved_item(author, reviewer, type="speaking", skill="speaking", content={
            "stem": f"Speaking part {part} ({next(_sequence)})", "preparation_seconds": 60, "response_seconds": 180},
            scoring={"rubric": "vstep-speaking"}).id for part in (1, 2, 3)]
        return {"listening": listening, "reading": reading, "writing": writing, "speaking": speaking}

    def units_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.session.scalars(select(Unit))}
