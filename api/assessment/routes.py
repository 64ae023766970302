from __future__ import annotations

from flask import request
from flask.views import MethodView

from api.assessment.schemas import (
    AnswerSchema,
    AttemptSchema,
    ResponseSchema,
    ResultSchema,
    TestCreateSchema,
    TestSchema,
)
from api.auth import current_actor
from api.schemas import Blueprint
from api.db import db_session
from assessment import policies, services
from assessment.models import Attempt
from assessment.services import TestDraft
from core import clock
from core.errors import RuleViolation

IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "schema": {"type": "string", "maxLength": 100},
                   "description": "A key of the client's choosing; a retried request with it is recorded once"}


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 100:
        raise RuleViolation("Idempotency-Key must be 1 to 100 characters", field="Idempotency-Key")
    return key


blp = Blueprint("tests", __name__, url_prefix="/api/v1", description="Tests, attempts and results")


def _attempt_view(attempt: Attempt) -> dict:
    view = {column: getattr(attempt, column)
            for column in ("id", "test_id", "candidate_id", "status", "started_at", "submitted_at", "deadline",
                           "closed_reason", "test_session_id")}
    view["seconds_left"] = (max(0, int((attempt.deadline - clock.now()).total_seconds()))
                            if attempt.deadline is not None and attempt.status == "in_progress" else None)
    view["items"] = services.delivered_items(db_session(), attempt)
    return view


def _test_view(test):
    """Candidates see what a test is, not how it scores: cut-offs and adaptive rules stay with admins."""
    if policies.can_manage_tests(current_actor()):
        return test
    return {field: getattr(test, field) for field in ("id", "title", "description", "kind", "purpose", "status",
                                                      "time_limit_seconds", "created_at")} | {
        "item_count": len(test.entries) if test.kind == "fixed" else None}


@blp.route("/tests")
class Tests(MethodView):
    @blp.response(200, TestSchema(many=True))
    def get(self):
        """Tests: published ones for everyone, drafts too for test administrators."""
        return [_test_view(test) for test in services.list_tests(db_session(), actor=current_actor())]

    @blp.arguments(TestCreateSchema)
    @blp.response(201, TestSchema)
    def post(self, data):
        """Define a fixed test from approved items, with raw-score cut-offs for levels."""
        return services.create_test(db_session(), actor=current_actor(), draft=TestDraft(**data))


@blp.route("/tests/<int:test_id>")
class TestById(MethodView):
    @blp.response(200, TestSchema)
    def get(self, test_id):
        """One test."""
        return _test_view(services.get_test_for(db_session(), actor=current_actor(), test_id=test_id))


@blp.route("/tests/<int:test_id>/publish")
class PublishTest(MethodView):
    @blp.response(200, TestSchema)
    def post(self, test_id):
        """Open a draft test to candidates."""
        return services.publish_test(db_session(), actor=current_actor(), test_id=test_id)


@blp.route("/tests/<int:test_id>/attempts")
class StartAttempt(MethodView):
    @blp.response(201, AttemptSchema)
    def post(self, test_id):
        """Start an attempt (candidates); the items come without keys."""
        return _attempt_view(services.start_attempt(db_session(), actor=current_actor(), test_id=test_id))


@blp.route("/attempts/<int:attempt_id>")
class AttemptById(MethodView):
    @blp.response(200, AttemptSchema)
    def get(self, attempt_id):
        """An attempt with its items and the answers saved so far."""
        return _attempt_view(services.get_attempt_for(db_session(), actor=current_actor(), attempt_id=attempt_id))


@blp.route("/attempts/<int:attempt_id>/responses/<int:position>")
class AttemptResponse(MethodView):
    @blp.arguments(AnswerSchema)
    @blp.response(200, ResponseSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    def put(self, data, attempt_id, position):
        """Save the answer at a position (a retry with the same Idempotency-Key is recorded once)."""
        saved = services.save_response(db_session(), actor=current_actor(), attempt_id=attempt_id, position=position,
                                       answer=data["answer"], idempotency_key=idempotency_key())
        return {"position": saved.position, "answer": saved.response.answer,
                "answered_at": saved.response.answered_at, "next_position": saved.next_position,
                "finished": saved.finished}


@blp.route("/attempts/<int:attempt_id>/submit")
class SubmitAttempt(MethodView):
    @blp.response(200, ResultSchema)
    def post(self, attempt_id):
        """Hand in the attempt; it is scored at once and the result carries a level."""
        return services.submit_attempt(db_session(), actor=current_actor(), attempt_id=attempt_id)


@blp.route("/attempts/<int:attempt_id>/result")
class AttemptResult(MethodView):
    @blp.response(200, ResultSchema)
    def get(self, attempt_id):
        """The result of a submitted attempt."""
        return services.get_result_for(db_session(), actor=current_actor(), attempt_id=attempt_id)
