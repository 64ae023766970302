"""Test sessions, registrations in them, and a test's admission rules."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.auth import current_actor
from api.db import db_session
from api.schemas import Blueprint, Id, StrictSchema
from assessment.scheduling import services
from assessment.scheduling.models import RetakeScope

class StrictBoolean(ma.fields.Boolean):
    """JSON true or false only, not "yes" or 1."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


blp = Blueprint("sessions", __name__, url_prefix="/api/v1",
                description="Test sessions, registrations and admission rules")


class TestSessionCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    venue = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    room = ma.fields.String(load_default="", validate=ma.validate.Length(max=100))
    opens_at = ma.fields.AwareDateTime(required=True, metadata={"description": "With a time zone; stored in UTC"})
    closes_at = ma.fields.AwareDateTime(required=True)
    registration_closes_at = ma.fields.AwareDateTime(
        allow_none=True, load_default=None,
        metadata={"description": "Candidates registering themselves must do so before this (default: opens_at)"})
    capacity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10000))


class TestSessionUpdateSchema(StrictSchema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    venue = ma.fields.String(validate=ma.validate.Length(max=200))
    room = ma.fields.String(validate=ma.validate.Length(max=100))
    capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=10000))
    cancelled = StrictBoolean(metadata={"description": "true cancels the session, for good"})
    cancellation_reason = ma.fields.String(validate=ma.validate.Length(min=1, max=2000))

    @ma.validates_schema
    def something_to_change(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("Give at least one field to change.", field_name="_schema")
        if "cancellation_reason" in data and data.get("cancelled") is not True:
            raise ma.ValidationError({"cancellation_reason": ["Only with cancelled: true."]})


class TestSessionSchema(ma.Schema):
    id = ma.fields.Integer()
    test_id = ma.fields.Integer()
    title = ma.fields.String()
    venue = ma.fields.String()
    room = ma.fields.String()
    opens_at = ma.fields.DateTime()
    closes_at = ma.fields.DateTime()
    registration_closes_at = ma.fields.DateTime(allow_none=True)
    capacity = ma.fields.Integer()
    seats_taken = ma.fields.Function(services.seats_taken)
    seats_left = ma.fields.Function(lambda s: max(0, s.capacity - services.seats_taken(s)))
    cancelled = ma.fields.Boolean()
    cancelled_at = ma.fields.DateTime(allow_none=True)
    cancellation_reason = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class RegistrationCreateSchema(StrictSchema):
    user_ids = ma.fields.List(Id(),
                              validate=ma.validate.Length(min=1, max=services.MAX_BULK),
                              metadata={"description": "Test administrators: the candidates to register, all or "
                                        "none. Candidates leave it out to register themselves."})


class RegistrationSchema(ma.Schema):
    id = ma.fields.Integer()
    session_id = ma.fields.Integer()
    candidate_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "registered, cancelled or attended"})
    registered_at = ma.fields.DateTime()
    registered_by = ma.fields.Integer()
    cancelled_at = ma.fields.DateTime(allow_none=True)
    session = ma.fields.Nested(TestSessionSchema, attribute="test_session")


class AdmissionRulesSchema(StrictSchema):
    requires_registration = StrictBoolean(load_default=False, metadata={
        "description": "Attempts need a registration in an open session (always so once the test has sessions)"})
    self_registration = StrictBoolean(load_default=False,
                                          metadata={"description": "Candidates may register themselves"})
    retake_wait_days = ma.fields.Integer(strict=True, allow_none=True, load_default=None,
                                         validate=ma.validate.Range(min=0, max=3650), metadata={
                                             "description": "Days between a finished attempt and the next"})
    retake_scope = ma.fields.String(load_default=RetakeScope.TEST.value,
                                    validate=ma.validate.OneOf([scope.value for scope in RetakeScope]), metadata={
                                        "description": "test: attempts at this test; purpose: at any test of the "
                                                       "same purpose (e.g. any certification test)"})
    max_attempts = ma.fields.Integer(strict=True, allow_none=True, load_default=None,
                                     validate=ma.validate.Range(min=1, max=100),
                                     metadata={"description": "Attempts a candidate may make at this test"})


@blp.route("/tests/<int:test_id>/sessions")
class TestSessions(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, TestSessionSchema(many=True))
    def get(self, test_id):
        """A test's sessions, soonest first (candidates see those not cancelled)."""
        return services.list_sessions(db_session(), actor=current_actor(), test_id=test_id)

    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(TestSessionCreateSchema)
    @blp.response(201, TestSessionSchema)
    def post(self, data, test_id):
        """Schedule a session of a published test (test administrators)."""
        return services.create_session(db_session(), actor=current_actor(), test_id=test_id,
                                       draft=services.SessionDraft(**data))


@blp.route("/tests/<int:test_id>/admission-rules")
class TestAdmissionRules(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, AdmissionRulesSchema)
    def get(self, test_id):
        """A test's eligibility rules: registration, retake wait, attempt limit."""
        return services.get_rules(db_session(), actor=current_actor(), test_id=test_id)

    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(AdmissionRulesSchema)
    @blp.response(200, AdmissionRulesSchema)
    def put(self, data, test_id):
        """Replace a test's eligibility rules (test administrators; audited)."""
        return services.set_rules(db_session(), actor=current_actor(), test_id=test_id,
                                  draft=services.RulesDraft(**data))


@blp.route("/sessions/<int:session_id>")
class TestSessionById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, TestSessionSchema)
    def get(self, session_id):
        """One session: when, where, seats left (never who is registered)."""
        return services.get_session_for(db_session(), actor=current_actor(), session_id=session_id)

    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(TestSessionUpdateSchema)
    @blp.response(200, TestSessionSchema)
    def patch(self, data, session_id):
        """Rename, move, resize or cancel a session (test administrators)."""
        return services.update_session(db_session(), actor=current_actor(), session_id=session_id,
                                       changes=services.SessionChanges(**data))


@blp.route("/sessions/<int:session_id>/registrations")
class SessionRegistrations(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.response(200, RegistrationSchema(many=True))
    def get(self, session_id):
        """Everyone registered in a session (test administrators)."""
        return services.list_registrations(db_session(), actor=current_actor(), session_id=session_id)

    @allow(roles(Role.CANDIDATE, Role.TEST_ADMIN))
    @blp.arguments(RegistrationCreateSchema)
    @blp.response(201, RegistrationSchema(many=True))
    def post(self, data, session_id):
        """Register candidates (test administrators, in bulk) or yourself (where the test allows it)."""
        return services.register_candidates(db_session(), actor=current_actor(), session_id=session_id,
                                            user_ids=data.get("user_ids"))


@blp.route("/sessions/<int:session_id>/registrations/<int:user_id>")
class SessionRegistration(MethodView):
    @allow(roles(Role.CANDIDATE, Role.TEST_ADMIN))
    @blp.response(200, RegistrationSchema)
    def delete(self, session_id, user_id):
        """Cancel a registration (test administrators; candidates their own, before the session opens)."""
        return services.cancel_registration(db_session(), actor=current_actor(), session_id=session_id,
                                            user_id=user_id)


@blp.route("/me/registrations")
class MyRegistrations(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, RegistrationSchema(many=True))
    def get(self):
        """Your registrations in test sessions, soonest first."""
        return services.list_my_registrations(db_session(), actor=current_actor())
