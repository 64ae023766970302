"""The contract of the training API: courses, offerings, paths, enrolments, surveys."""

from __future__ import annotations

import marshmallow as ma

from api.schemas import LANGUAGE, QUERY_ID, Id, StrictSchema, WholeMatch
from learning.training_models import SEATED, CourseFormat, CourseKind, PathStatus, StepStatus, SurveyAudience

SKILLS = ("listening", "reading", "writing", "speaking", "grammar", "vocabulary")
LEVEL = ma.validate.Range(min=0, max=6)
# An id in a query string: as Id, which is strict and so takes JSON numbers only, not the query's text.
class CourseCreateSchema(StrictSchema):
    code = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=40),
                                                     WholeMatch(r"^[A-Za-z0-9._-]+$")])
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    kind = ma.fields.String(load_default=CourseKind.LANGUAGE.value,
                            validate=ma.validate.OneOf([k.value for k in CourseKind]))
    language = ma.fields.String(allow_none=True, load_default=None, validate=LANGUAGE,
                                metadata={"description": "Language courses: the language taught, as positions "
                                                         "name it (a lower-case ISO 639 code such as en)"})
    from_level = ma.fields.Integer(strict=True, allow_none=True, load_default=None, validate=LEVEL,
                                   metadata={"description": "Language courses: the level a learner starts from "
                                                            "(0: no level yet)"})
    to_level = ma.fields.Integer(strict=True, allow_none=True, load_default=None, validate=LEVEL)
    skill_focus = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(SKILLS)), load_default=list,
                                 metadata={"description": "Skills the course works on; empty: all skills"})
    hours = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=2000))
    format = ma.fields.String(load_default=CourseFormat.CLASSROOM.value,
                              validate=ma.validate.OneOf([f.value for f in CourseFormat]))
    provider = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10000),
                                 metadata={"description": "Seats of a new offering unless it says otherwise"})
    prerequisites = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)), load_default=list,
                                   metadata={"description": "Codes of the courses to complete first"})


class CoursePatchSchema(StrictSchema):
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    language = ma.fields.String(allow_none=True, validate=LANGUAGE)
    from_level = ma.fields.Integer(strict=True, allow_none=True, validate=LEVEL)
    to_level = ma.fields.Integer(strict=True, allow_none=True, validate=LEVEL)
    skill_focus = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(SKILLS)))
    hours = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=2000))
    format = ma.fields.String(validate=ma.validate.OneOf([f.value for f in CourseFormat]))
    provider = ma.fields.String(validate=ma.validate.Length(max=200))
    capacity = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=10000))
    prerequisites = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=40)))

    @ma.validates_schema
    def something_to_change(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("Give at least one field to change.", field_name="_schema")


class CourseSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    title = ma.fields.String()
    kind = ma.fields.String()
    language = ma.fields.String(allow_none=True)
    from_level = ma.fields.Integer(allow_none=True)
    to_level = ma.fields.Integer(allow_none=True)
    skill_focus = ma.fields.List(ma.fields.String())
    hours = ma.fields.Integer()
    format = ma.fields.String()
    provider = ma.fields.String()
    capacity = ma.fields.Integer()
    prerequisites = ma.fields.List(ma.fields.String())


class CourseQueryArgsSchema(StrictSchema):
    kind = ma.fields.String(validate=ma.validate.OneOf([k.value for k in CourseKind]))
    language = ma.fields.String(validate=LANGUAGE)


class OfferingCreateSchema(StrictSchema):
    starts_on = ma.fields.Date(required=True, metadata={
        "description": "The first day; not before today in Vietnam (422)"})
    ends_on = ma.fields.Date(required=True)
    seats = ma.fields.Integer(strict=True, allow_none=True, load_default=None,
                              validate=ma.validate.Range(min=1, max=10000),
                              metadata={"description": "Default: the course's capacity"})
    venue = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))

    @ma.validates_schema
    def ends_after_start(self, data, **_kwargs):
        if "starts_on" in data and "ends_on" in data and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError({"ends_on": ["A cohort ends on or after the day it starts."]})


class OfferingPatchSchema(StrictSchema):
    starts_on = ma.fields.Date(metadata={
        "description": "A new first day, not before today in Vietnam (422); the current one may be sent unchanged"})
    ends_on = ma.fields.Date()
    seats = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=10000),
                              metadata={"description": "Not fewer than the seats taken (409)"})
    venue = ma.fields.String(validate=ma.validate.Length(max=200))  # the dates' order: the domain checks it


class OfferingCancelSchema(StrictSchema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000),
                              metadata={"description": "Why, for the people whose enrolments are dropped"})


def _seats_taken(offering) -> int:
    return sum(enrolment.status in SEATED for enrolment in offering.enrolments)


class OfferingSchema(ma.Schema):
    id = ma.fields.Integer()
    course_id = ma.fields.Integer()
    course_code = ma.fields.Function(lambda o: o.course.code)
    starts_on = ma.fields.Date()
    ends_on = ma.fields.Date()
    seats = ma.fields.Integer()
    seats_taken = ma.fields.Function(_seats_taken, metadata={"description": "Seats held by enrolments"})
    seats_left = ma.fields.Function(lambda o: 0 if o.cancelled_at else max(0, o.seats - _seats_taken(o)))
    venue = ma.fields.String()
    cancelled_at = ma.fields.DateTime(allow_none=True, metadata={"description": "Set once cancelled: it takes no one"})
    cancellation_reason = ma.fields.String(allow_none=True)


class PathPlanSchema(StrictSchema):
    deadline = ma.fields.Date(allow_none=True, load_default=None,
                              metadata={"description": "The day the required level must be reached by "
                                                       "(default: the position's required_by, else the "
                                                       "path's previous deadline, else none)"})


class PathStepSchema(ma.Schema):
    position = ma.fields.Integer()
    course_id = ma.fields.Integer()
    course_code = ma.fields.Function(lambda s: s.course.code)
    course_title = ma.fields.Function(lambda s: s.course.title)
    kind = ma.fields.Function(lambda s: s.course.kind, metadata={
        "description": "language; or professional, external_affairs (external-relations staff's own plan)"})
    band = ma.fields.Function(lambda s: [s.course.from_level, s.course.to_level]
                              if s.course.from_level is not None else None,
                              metadata={"description": "[from_level, to_level]; null for a non-language course"})
    skill_focus = ma.fields.Function(lambda s: list(s.course.skill_focus or ()))
    offering_id = ma.fields.Integer(allow_none=True)
    enrolment_id = ma.fields.Integer(allow_none=True)
    starts_on = ma.fields.Date(allow_none=True)
    ends_on = ma.fields.Date(allow_none=True)
    status = ma.fields.String(metadata={"description": ", ".join(s.value for s in StepStatus)})
    progress = ma.fields.Integer()


class LearningPathSchema(ma.Schema):
    id = ma.fields.Integer()
    staff_member_id = ma.fields.Integer()
    language = ma.fields.String()
    target_level = ma.fields.Integer()
    current_level = ma.fields.Integer(metadata={"description": "The level planned from (0: none)"})
    level_basis = ma.fields.String(allow_none=True)
    skill_profile = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    status = ma.fields.String(metadata={"description": ", ".join(s.value for s in PathStatus)})
    ready_for_retest = ma.fields.Function(lambda p: p.status == PathStatus.READY_FOR_RETEST)
    verdict = ma.fields.String(metadata={"description": "on_track, cannot_meet_deadline, no_course, no_offering, "
                                                        "no_gap"})
    deadline = ma.fields.Date(allow_none=True)
    deadline_from_position = ma.fields.Boolean(metadata={
        "description": "true: the deadline is the position's required_by and follows it; false: given when "
                       "planning (it stays until another is given), or none"})
    external_relations = ma.fields.Boolean(metadata={
        "description": "Planned as external-relations staff's own plan: professional and external-affairs "
                       "courses follow the language steps"})
    earliest_finish = ma.fields.Date(allow_none=True, metadata={"description": "When the last step ends"})
    reason = ma.fields.String()
    planned_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)
    steps = ma.fields.List(ma.fields.Nested(PathStepSchema))


class PathQueryArgsSchema(StrictSchema):
    unit_id = ma.fields.Integer(required=True, validate=QUERY_ID,
                                metadata={"description": "The unit; its sub-units' people are listed too"})
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in PathStatus]),
                              metadata={"description": "e.g. ready_for_retest: who should sit a test again"})


class EnrolmentCreateSchema(StrictSchema):
    staff_member_id = Id(required=True)


class EnrolmentUpdateSchema(StrictSchema):
    progress = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=100))
    status = ma.fields.String(validate=ma.validate.OneOf([StepStatus.IN_PROGRESS.value, StepStatus.COMPLETED.value,
                                                          StepStatus.DROPPED.value]))

    @ma.validates_schema
    def something_to_change(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("Give progress, status or both.", field_name="_schema")


class EnrolmentSchema(ma.Schema):
    id = ma.fields.Integer()
    offering_id = ma.fields.Integer()
    staff_member_id = ma.fields.Integer()
    status = ma.fields.String()
    progress = ma.fields.Integer()
    enrolled_at = ma.fields.DateTime()
    completed_at = ma.fields.DateTime(allow_none=True)


class QuestionSchema(StrictSchema):
    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(["choice", "multi", "scale", "text"]))
    options = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=200)))
    min = ma.fields.Integer(strict=True)
    max = ma.fields.Integer(strict=True)
    required = ma.fields.Boolean(load_default=False)


class SurveyCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    questions = ma.fields.List(ma.fields.Nested(QuestionSchema), required=True,
                               validate=ma.validate.Length(min=1, max=200))
    target_groups = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=60)), required=True,
                                   validate=ma.validate.Length(min=1, max=50),
                                   metadata={"description": "The groups the survey is sent to, e.g. leaders, "
                                                            "specialists, part-time external-relations staff"})
    audience = ma.fields.String(load_default=SurveyAudience.ALL.value,
                                validate=ma.validate.OneOf([a.value for a in SurveyAudience]),
                                metadata={"description": "all (default): any staff member answers; "
                                                         "external_relations: only external-relations staff"})


class SurveySchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    questions = ma.fields.List(ma.fields.Dict())
    target_groups = ma.fields.List(ma.fields.String())
    audience = ma.fields.String()
    is_open = ma.fields.Boolean()
    created_at = ma.fields.DateTime()


class SurveyUpdateSchema(StrictSchema):
    is_open = ma.fields.Boolean(required=True, metadata={"description": "false closes the survey to responses"})


class SurveyResponseCreateSchema(StrictSchema):
    target_group = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60))
    answers = ma.fields.Dict(keys=ma.fields.String(), required=True,
                             metadata={"description": "Question id to answer: an option, a list of options, "
                                                      "a whole number on the scale, or text"})


class SurveyResponseSchema(ma.Schema):
    id = ma.fields.Integer()
    survey_id = ma.fields.Integer()
    staff_member_id = ma.fields.Integer()
    target_group = ma.fields.String()
    unit_id = ma.fields.Integer()
    answers = ma.fields.Dict()
    submitted_at = ma.fields.DateTime()


class SurveyResultsArgsSchema(StrictSchema):
    unit_id = ma.fields.Integer(validate=QUERY_ID,
                                metadata={"description": "One unit's responses (required for unit-scoped HR)"})


SUMMARY = "Per question id, what its answers add up to in this cell; null when the cell is suppressed"
SUPPRESSED = ("true: too few respondents (fewer than min_group_size), or hidden with such a cell so that it cannot "
              "be worked out by subtraction; the number of responses stays, the answers do not")


class SurveyQuestionResultSchema(ma.Schema):
    """One question's answers within a cell shown: how many answered it, and what they answered unless too few."""

    answered = ma.fields.Integer(metadata={"description": "How many of the cell's respondents answered the question "
                                                          "(shown even when suppressed)"})
    suppressed = ma.fields.Boolean(metadata={
        "description": "true: fewer than min_group_size people of the cell answered the question, or it is hidden "
                      "with such a cell so that their answers cannot be worked out by subtraction (decided over the "
                      "whole survey, as the cells are); counts and mean are then left out"})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            metadata={"description": "Choice, multi: answers per option; scale: answers per point. "
                                                     "Absent for text questions and when suppressed"})
    mean = ma.fields.Float(allow_none=True, metadata={"description": "Scale questions: the mean answer (null when "
                                                                     "no one answered). Absent when suppressed"})


def _summary_field(description: str) -> ma.fields.Dict:
    return ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(SurveyQuestionResultSchema),
                          allow_none=True, metadata={"description": description})


class _SurveyCellSchema(ma.Schema):
    """What every cell of the results shows: its respondents, and their answers unless suppressed."""

    responses = ma.fields.Integer()
    suppressed = ma.fields.Boolean(metadata={"description": SUPPRESSED})
    questions = _summary_field(SUMMARY)


class SurveyGroupResultSchema(_SurveyCellSchema):
    target_group = ma.fields.String()


class SurveyUnitResultSchema(_SurveyCellSchema):
    unit_id = ma.fields.Integer()
    by_target_group = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                     metadata={"description": "Responses per target group within the unit"})


class SurveyResultsSchema(ma.Schema):
    survey_id = ma.fields.Integer()
    min_group_size = ma.fields.Integer(metadata={"description": "The fewest respondents whose answers a cell shows"})
    responses = ma.fields.Integer()
    suppressed = ma.fields.Boolean(metadata={"description": f"Whether overall is hidden; {SUPPRESSED}"})
    overall = _summary_field(f"Of every response (of unit_id's, if given). {SUMMARY}")
    by_target_group = ma.fields.List(ma.fields.Nested(SurveyGroupResultSchema),
                                     metadata={"description": "Per target group (within unit_id, if given)"})
    by_unit = ma.fields.List(ma.fields.Nested(SurveyUnitResultSchema))
