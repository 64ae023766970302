from __future__ import annotations

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
from assessment import services
from assessment.models import Attempt
from assessment.services import TestDraft

blp = Blueprint("tests", __name__, url_prefix="/api/v1", description="Tests, attempts and results")


def _attempt_view(attempt: Attempt) -> dict:
    view = {column: getattr(attempt, column)
            for column in ("id", "test_id", "candidate_id", "status", "started_at", "submitted_at")}
    view["items"] = services.delivered_items(db_session(), attempt)
    return view


@blp.route("/tests")
class Tests(MethodView):
    @blp.response(200, TestSchema(many=True))
    def get(self):
        """Tests: published ones for everyone, drafts too for test administrators."""
        return services.list_tests(db_session(), actor=current_actor())

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
        return services.get_test_for(db_session(), actor=current_actor(), test_id=test_id)


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
    def put(self, data, attempt_id, position):
        """Save the answer to the item at a position; a later answer replaces it."""
        response = services.save_response(db_session(), actor=current_actor(), attempt_id=attempt_id,
                                          position=position, answer=data["answer"])
        return {"position": position, "answer": response.answer, "answered_at": response.answered_at}


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
