from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView

from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.assessment.schemas import (
    AnswerSchema,
    AssemblyReportSchema,
    AttemptSchema,
    FormRequestSchema,
    PlayRequestSchema,
    PlaySchema,
    ResponseSchema,
    ResultSchema,
    SectionScoreSchema,
    TestCreateSchema,
    TestSchema,
)
from api.auth import current_actor
from api.schemas import Blueprint, CommentSchema
from api.db import db_session
from api.files import RANGE_NOT_SATISFIABLE, send_stored_file
from assessment import answers, forms, plays, policies, sections, services
from assessment.models import Attempt
from assessment.sections import SECTIONED
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
    view["current_section"] = view["sections"] = None
    if attempt.test.kind == SECTIONED:
        states = sections.states(sections.sections_of(attempt.test.config), attempt.sections or [])
        view["sections"] = [{"index": state.index, "skill": state.section.skill, "title": state.section.title,
                             "status": state.status, "time_limit_seconds": state.section.time_limit_seconds,
                             "item_positions": list(state.section.positions), "started_at": state.started_at,
                             "ended_at": state.ended_at, "deadline": state.deadline} for state in states]
        view["current_section"] = next((state.index for state in states if state.status == "current"), None)
    return view


def _test_view(test):
    """Candidates see what a test is, not how it scores: cut-offs and adaptive rules stay with admins."""
    if policies.can_manage_tests(current_actor()):
        return test
    view = {field: getattr(test, field) for field in ("id", "title", "description", "kind", "purpose", "status",
                                                      "time_limit_seconds", "created_at")}
    view["item_count"] = len(test.entries) if test.kind != "adaptive" else None
    if test.kind == SECTIONED:
        view["sections"] = [{key: spec[key] for key in ("skill", "title", "time_limit_seconds", "item_count")}
                            for spec in test.config["sections"]]
    return view


@blp.route("/tests")
class Tests(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, TestSchema(many=True))
    def get(self):
        """Tests: published ones for everyone, drafts too for test administrators."""
        return [_test_view(test) for test in services.list_tests(db_session(), actor=current_actor())]

    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(TestCreateSchema)
    @blp.response(201, TestSchema)
    def post(self, data):
        """Define a test: fixed (approved items, raw-score cut-offs), adaptive, or a sectioned VSTEP.3-5 exam."""
        return services.create_test(db_session(), actor=current_actor(), draft=TestDraft(**data))


@blp.route("/tests/forms")
class AssembleForms(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(FormRequestSchema)
    @blp.response(201, AssemblyReportSchema)
    def post(self, data):
        """Assemble parallel VSTEP.3-5 forms from the bank: draft exams, each with its own conversion tables.

        Forms meet the format exactly, share at most `max_overlap` of their items with any other form,
        never hold two enemy items, and follow the bank's average test information curve; the report
        says how close each came.
        """
        level_counts = {skill: {int(level): count for level, count in split.items()}
                        for skill, split in data.pop("level_counts", {}).items()} or None
        made = forms.assemble_vstep_forms(db_session(), actor=current_actor(),
                                          request=forms.FormRequest(level_counts=level_counts, **data))
        report = made.report
        return {"forms": [{"test_id": test.id, "title": test.title,
                           "max_relative_deviation": form.max_relative_deviation, "rmsd": form.rmsd,
                           "within_tolerance": form.within_tolerance} for test, form in zip(made.tests, report.forms,
                                                                                            strict=True)],
                "target_thetas": report.target.thetas.tolist(), "target_information": report.target.values.tolist(),
                "max_overlap": report.max_overlap, "most_uses": int(report.use_counts.max(initial=0)),
                "excluded_for_exposure": int(report.excluded_for_exposure.size),
                "issues": [issue.message for issue in report.issues] + made.left_out}


@blp.route("/tests/<int:test_id>")
class TestById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, TestSchema)
    def get(self, test_id):
        """One test."""
        return _test_view(services.get_test_for(db_session(), actor=current_actor(), test_id=test_id))


@blp.route("/tests/<int:test_id>/publish")
class PublishTest(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.response(200, TestSchema)
    def post(self, test_id):
        """Open a draft test to candidates."""
        return services.publish_test(db_session(), actor=current_actor(), test_id=test_id)


@blp.route("/tests/<int:test_id>/archive")
class ArchiveTest(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(CommentSchema)
    @blp.response(200, TestSchema)
    def post(self, data, test_id):
        """Withdraw a test from delivery: no new attempts, sessions or registrations; attempts under way run to
        their end and results stand. A test pins the item versions it was published with, so this is how a
        retired item leaves the tests that deliver it."""
        return services.archive_test(db_session(), actor=current_actor(), test_id=test_id, **data)


@blp.route("/tests/<int:test_id>/attempts")
class StartAttempt(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.response(201, AttemptSchema)
    @blp.problem(409, "The test is archived; an attempt of yours is in progress (`attempt_id`); or its rules refuse "
                      "the start now: `not-eligible`, `registration-required`, `outside-session-window`, "
                      "`session-cancelled`")
    def post(self, test_id):
        """Start an attempt (candidates); the items come without keys."""
        return _attempt_view(services.start_attempt(db_session(), actor=current_actor(), test_id=test_id))


@blp.route("/attempts/<int:attempt_id>")
class AttemptById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, AttemptSchema)
    def get(self, attempt_id):
        """An attempt with its items and the answers saved so far."""
        return _attempt_view(services.get_attempt_for(db_session(), actor=current_actor(), attempt_id=attempt_id))


@blp.route("/attempts/<int:attempt_id>/responses/<int:position>")
class AttemptResponse(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.arguments(AnswerSchema)
    @blp.response(200, ResponseSchema)
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    def put(self, data, attempt_id, position):
        """Save the answer at a position (a retry with the same Idempotency-Key is recorded once)."""
        saved = answers.save_response(db_session(), actor=current_actor(), attempt_id=attempt_id, position=position,
                                       answer=data["answer"], idempotency_key=idempotency_key())
        return {"position": saved.position, "answer": saved.answer,
                "answered_at": saved.response.answered_at, "next_position": saved.next_position,
                "finished": saved.finished, "next_item": saved.next_item}


@blp.route("/attempts/<int:attempt_id>/sections/<int:index>/finish")
class FinishSection(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.response(200, AttemptSchema)
    def post(self, attempt_id, index):
        """Sectioned exams: end the running section now and go on to the next (the last hands the exam in).

        Finishing a section that is already over changes nothing, so a retried request is harmless.
        """
        return _attempt_view(services.finish_section(db_session(), actor=current_actor(), attempt_id=attempt_id,
                                                     index=index))


@blp.route("/attempts/<int:attempt_id>/plays")
class AttemptPlays(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.arguments(PlayRequestSchema)
    @blp.response(201, PlaySchema)
    @blp.problem(409, "`no-plays-left`: every play the recording allows is used (`max_plays`, `plays_used`); "
                   "or the attempt or the recording's section is over")
    @blp.doc(parameters=[IDEMPOTENCY_KEY])
    def post(self, data, attempt_id):
        """Play a recording shown in the attempt now: the play counts at once against its `max_plays`
        (409 `no-plays-left` when none is left) and its URLs stream the recording, range requests
        included, until it expires. Candidates cannot fetch such a recording at /api/v1/media. A retry with
        the same Idempotency-Key gets the same play again, with new URLs, and uses up no other."""
        return services.start_play(db_session(), actor=current_actor(), attempt_id=attempt_id,
                                   stimulus_id=data["stimulus_id"], idempotency_key=idempotency_key())


@blp.route("/plays/<string:token>/<string:sha256>")
class PlayStream(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.response(200, description="The recording, with range requests (206), never cached")
    @blp.problem(404, "No such play for this candidate (an unknown or another candidate's token), or a file that "
                   "is not the play's recording")
    @blp.problem(410, "The play has ended: its time, its attempt or its section is over")
    @blp.problem(416, RANGE_NOT_SATISFIABLE)
    def get(self, token, sha256):
        """Stream a play's recording while the play lasts (the attempt's candidate, signed in)."""
        stored = plays.media_of_play(db_session(), actor=current_actor(), token=token, sha256=sha256)
        store = current_app.extensions["levelpath.media"]
        response = send_stored_file(store.path_for(stored.sha256), mimetype=stored.mime_type, etag=stored.sha256,
                                    max_age=None)
        response.headers["Cache-Control"] = "private, no-store"  # a play is heard, not kept for replaying
        return response


@blp.route("/attempts/<int:attempt_id>/sections/<string:skill>/score")
class SectionScore(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(SectionScoreSchema)
    @blp.response(200, ResultSchema)
    def put(self, data, attempt_id, skill):
        """Test administrators: set a writing or speaking section's 0-10 score over the raters' marking (e.g.
        marked on paper); never on their own attempt."""
        return services.record_section_score(db_session(), actor=current_actor(), attempt_id=attempt_id,
                                             skill=skill, score=str(data["score"]))


@blp.route("/attempts/<int:attempt_id>/submit")
class SubmitAttempt(MethodView):
    @allow(roles(Role.CANDIDATE))
    @blp.response(200, ResultSchema)
    def post(self, attempt_id):
        """Hand in the attempt; it is scored at once and the result carries a level."""
        return services.submit_attempt(db_session(), actor=current_actor(), attempt_id=attempt_id)


@blp.route("/attempts/<int:attempt_id>/result")
class AttemptResult(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, ResultSchema)
    def get(self, attempt_id):
        """The result of a submitted attempt."""
        return services.get_result_for(db_session(), actor=current_actor(), attempt_id=attempt_id)
