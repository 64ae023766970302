"""Courses and their offerings, learning paths, enrolments and progress, training-needs surveys.

A path is refreshed whenever it is read: a new certified level at or above the requirement closes it, a higher
requirement (a new position) or a new result re-plans it (see learning.paths).
"""

from __future__ import annotations

from flask.views import MethodView

from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.auth import current_actor
from api.db import db_session
from api.learning.training_schemas import (
    CourseCreateSchema,
    CoursePatchSchema,
    CourseQueryArgsSchema,
    CourseSchema,
    EnrolmentCreateSchema,
    EnrolmentSchema,
    EnrolmentUpdateSchema,
    LearningPathSchema,
    OfferingCancelSchema,
    OfferingCreateSchema,
    OfferingPatchSchema,
    OfferingSchema,
    PathPlanSchema,
    PathQueryArgsSchema,
    SurveyCreateSchema,
    SurveyResponseCreateSchema,
    SurveyResponseSchema,
    SurveyResultsArgsSchema,
    SurveyResultsSchema,
    SurveySchema,
    SurveyUpdateSchema,
)
from api.schemas import Blueprint
from learning import catalogue, enrolments, offering_changes, paths, surveys

blp = Blueprint("training", __name__, url_prefix="/api/v1",
                description="Courses, learning paths, enrolments and training-needs surveys")


@blp.route("/courses")
class Courses(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(CourseQueryArgsSchema, location="query")
    @blp.response(200, CourseSchema(many=True))
    def get(self, args):
        """The course catalogue (language, professional and external-affairs courses)."""
        current_actor()
        return catalogue.list_courses(db_session(), **args)

    @allow(roles(Role.HR))
    @blp.arguments(CourseCreateSchema)
    @blp.response(201, CourseSchema)
    def post(self, data):
        """Add a course to the catalogue (HR, admins)."""
        return catalogue.create_course(db_session(), actor=current_actor(), draft=catalogue.CourseDraft(**data))


@blp.route("/courses/<int:course_id>")
class CourseDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, CourseSchema)
    def get(self, course_id):
        """One course."""
        current_actor()
        return catalogue.get_course(db_session(), course_id)

    @allow(roles(Role.HR))
    @blp.arguments(CoursePatchSchema)
    @blp.response(200, CourseSchema)
    def patch(self, data, course_id):
        """Change a course (HR, admins); its code stays."""
        return catalogue.update_course(db_session(), actor=current_actor(), course_id=course_id, changes=data)

    @allow(roles(Role.HR))
    @blp.response(204)
    @blp.problem(409, "The course has offerings, is another course's prerequisite or a step of learning paths "
                      "(`paths`: how many)")
    def delete(self, course_id):
        """Remove a course that has no offerings, is no other course's prerequisite and no learning path's step
        (HR, admins); 409 naming course_id otherwise."""
        catalogue.delete_course(db_session(), actor=current_actor(), course_id=course_id)


@blp.route("/courses/<int:course_id>/offerings")
class Offerings(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, OfferingSchema(many=True))
    def get(self, course_id):
        """A course's offerings (cohorts), with the seats left in each."""
        current_actor()
        return catalogue.list_offerings(db_session(), course_id=course_id)

    @allow(roles(Role.HR))
    @blp.arguments(OfferingCreateSchema)
    @blp.response(201, OfferingSchema)
    def post(self, data, course_id):
        """Schedule an offering of a course: its dates (from today on) and seats (HR, admins)."""
        return catalogue.create_offering(db_session(), actor=current_actor(), course_id=course_id, **data)


@blp.route("/offerings/<int:offering_id>")
class OfferingById(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, OfferingSchema)
    def get(self, offering_id):
        """One offering, with its seats left (none once cancelled)."""
        current_actor()
        return catalogue.get_offering(db_session(), offering_id)

    @allow(roles(Role.HR))
    @blp.arguments(OfferingPatchSchema)
    @blp.response(200, OfferingSchema)
    def patch(self, data, offering_id):
        """Move an offering, or change its seats or venue (organisation-wide HR, admins); the paths that use it
        are planned again when its dates change. 409 below the seats taken, once cancelled or ended, and for a new
        first day once it has started; 422 for a new start before today."""
        return offering_changes.update_offering(db_session(), actor=current_actor(), offering_id=offering_id,
                                                changes=data)


@blp.route("/offerings/<int:offering_id>/cancel")
class OfferingCancel(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(OfferingCancelSchema)
    @blp.response(200, OfferingSchema)
    def post(self, data, offering_id):
        """Cancel an offering that has not ended (organisation-wide HR, admins): its enrolments are dropped and
        the paths that used it are planned again with another. 409 when cancelled already or over."""
        return offering_changes.cancel_offering(db_session(), actor=current_actor(), offering_id=offering_id,
                                                reason=data["reason"])


@blp.route("/staff/<int:staff_id>/path")
class StaffPath(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, LearningPathSchema)
    def get(self, staff_id):
        """A staff member's learning path, brought up to date with their results and position."""
        return paths.get_path_for(db_session(), actor=current_actor(), staff_id=staff_id)

    @allow(roles(Role.HR))
    @blp.arguments(PathPlanSchema)
    @blp.response(200, LearningPathSchema)
    def post(self, data, staff_id):
        """Plan or re-plan a staff member's path towards their position's level (HR of their unit)."""
        return paths.plan_path_for(db_session(), actor=current_actor(), staff_id=staff_id, **data)


@blp.route("/paths")
class UnitPaths(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(PathQueryArgsSchema, location="query")
    @blp.response(200, LearningPathSchema(many=True))
    def get(self, args):
        """The learning paths of a unit's people and its sub-units', e.g. those ready for re-testing (HR of that
        unit or above)."""
        return paths.list_paths(db_session(), actor=current_actor(), **args)


@blp.route("/me/path")
class MyPath(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, LearningPathSchema)
    def get(self):
        """Your own learning path (through the staff record linked to your account)."""
        return paths.get_my_path(db_session(), actor=current_actor())


@blp.route("/offerings/<int:offering_id>/enrolments")
class Enrolments(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(EnrolmentCreateSchema)
    @blp.response(201, EnrolmentSchema)
    def post(self, data, offering_id):
        """Enrol a staff member in an offering (HR of their unit, or the person); their path is planned again.

        409 when it is full, or the seat clashes with one the person holds (the same course, or a prerequisite
        that would not end before the course needing it starts).
        """
        return enrolments.enrol(db_session(), actor=current_actor(), offering_id=offering_id,
                           staff_id=data["staff_member_id"])


@blp.route("/enrolments/<int:enrolment_id>")
class EnrolmentDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(EnrolmentUpdateSchema)
    @blp.response(200, EnrolmentSchema)
    def patch(self, data, enrolment_id):
        """Report progress, complete or drop an enrolment; completing the last step opens re-testing.

        Completion is HR's record (HR of the person's unit or above, admins; never the person, whose progress
        100 stays in progress until HR confirms it), not before the offering starts. Dropping re-plans the path.
        """
        return enrolments.update_enrolment(db_session(), actor=current_actor(), enrolment_id=enrolment_id, **data)


@blp.route("/surveys")
class Surveys(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, SurveySchema(many=True))
    def get(self):
        """Training-needs surveys."""
        current_actor()
        return surveys.list_surveys(db_session())

    @allow(roles(Role.HR))
    @blp.arguments(SurveyCreateSchema)
    @blp.response(201, SurveySchema)
    def post(self, data):
        """Define a training-needs survey: questions and target groups (HR, admins)."""
        return surveys.create_survey(db_session(), actor=current_actor(), **data)


@blp.route("/surveys/<int:survey_id>")
class SurveyDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, SurveySchema)
    def get(self, survey_id):
        """One survey: its questions and target groups."""
        current_actor()
        return surveys.get_survey(db_session(), survey_id)

    @allow(roles(Role.HR))
    @blp.arguments(SurveyUpdateSchema)
    @blp.response(200, SurveySchema)
    def patch(self, data, survey_id):
        """Close a survey to responses, or open it again (its author, organisation-wide HR, admins)."""
        return surveys.set_survey_open(db_session(), actor=current_actor(), survey_id=survey_id, **data)


@blp.route("/surveys/<int:survey_id>/responses")
class SurveyResponses(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(SurveyResponseCreateSchema)
    @blp.response(201, SurveyResponseSchema)
    def post(self, data, survey_id):
        """Answer a survey, once, as the staff member linked to your account."""
        return surveys.submit_response(db_session(), actor=current_actor(), survey_id=survey_id, **data)


@blp.route("/surveys/<int:survey_id>/results")
class SurveyResults(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(SurveyResultsArgsSchema, location="query")
    @blp.response(200, SurveyResultsSchema)
    def get(self, args, survey_id):
        """Results by target group and by unit: counts per option, means for scales; small cells hidden (HR)."""
        return surveys.survey_results(db_session(), actor=current_actor(), survey_id=survey_id, **args)
