"""Raters' queue and marking, rubrics, benchmark scripts, and the marking record for administrators."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import ClassVar

import marshmallow as ma
from flask.views import MethodView

from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.assessment.schemas import ShownStimulusSchema
from api.auth import current_actor
from api.db import db_session
from api.schemas import Blueprint, Id, StrictSchema, WholeMatch
from assessment.rating import administration, monitoring, rubrics
from assessment.rating import services as rating

blp = Blueprint("rating", __name__, url_prefix="/api/v1", description="Rating writing and speaking")


class BandSchema(StrictSchema):
    min = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=0, max=10))
    descriptor = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=1000))


class CriterionSchema(StrictSchema):
    key = ma.fields.String(required=True, validate=WholeMatch(r"^[a-z][a-z0-9_]{0,39}$"))
    label = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    bands = ma.fields.List(ma.fields.Nested(BandSchema), required=True, validate=ma.validate.Length(min=1, max=21))


class RubricSchema(StrictSchema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(required=True, validate=WholeMatch(r"^[a-z0-9][a-z0-9-]{0,79}$"))
    version = ma.fields.Integer(dump_only=True)
    skill = ma.fields.String(required=True, validate=ma.validate.OneOf(["writing", "speaking"]))
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    criteria = ma.fields.List(ma.fields.Nested(CriterionSchema), required=True,
                              validate=ma.validate.Length(min=1, max=10))
    created_at = ma.fields.DateTime(dump_only=True)


class MarkingSchema(ma.Schema):
    """An assignment as its rater sees it: the task, the answer and the rubric; never who wrote it."""

    id = ma.fields.Integer()
    status = ma.fields.String()
    due_at = ma.fields.DateTime()
    item_type = ma.fields.String()
    skill = ma.fields.String()
    task = ma.fields.Dict(metadata={"description": "The task as the candidate saw it"})
    answer = ma.fields.Dict(metadata={"description": "The text, or the recording's sha256 and its audio_url"})
    rubric = ma.fields.Dict()
    criteria = ma.fields.Dict(allow_none=True, metadata={"description": "Your scores, once submitted"})
    score = ma.fields.Float(allow_none=True)
    stimulus = ma.fields.Nested(ShownStimulusSchema, allow_none=True, metadata={
        "description": "The passage or recording the task came with; null when it has none"})


class MarkSchema(StrictSchema):
    criteria = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(), required=True,
                              metadata={"description": "A 0-10 score (multiple of 0.5) for every criterion"})
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class ExactScoreField(ma.fields.Float):
    """A score kept exact: a JSON number is read as the decimal it is written as (5.7 is 57/10, not the binary
    float nearest to it), a string as a decimal or a fraction ("5.7", "17/3"); dumped, as every exact score is
    here, as the nearest number."""

    default_error_messages: ClassVar[dict[str, str]] = {
        "invalid": "Not a valid score: a number, or a string holding a decimal or a fraction such as \"17/3\"."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            return Fraction(value)
        if isinstance(value, float):  # json made it a float: its shortest repr is the number as written (up to
            # 15 significant digits; a score with more than a float holds is sent as a string)
            if not math.isfinite(value):
                raise self.make_error("special")
            return Fraction(repr(value))
        if isinstance(value, str) and len(value) <= 100 and _WRITTEN_SCORE.fullmatch(value):
            try:
                return Fraction(value.strip())
            except (ValueError, ZeroDivisionError):
                pass
        raise self.make_error("invalid")


# A decimal or a fraction as people write scores, without an exponent: "1e-4000000" is 13 characters and made a
# denominator of four million digits, which held a worker for minutes before the 0-10 range refused it.
_WRITTEN_SCORE = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+|\d+\s*/\s*\d+)\s*")


class BenchmarkSchema(StrictSchema):
    id = ma.fields.Integer(dump_only=True)
    item_id = Id(required=True, load_only=True)
    item_version_id = ma.fields.Integer(dump_only=True)
    answer = ma.fields.Dict(required=True)
    agreed_score = ExactScoreField(required=True, allow_nan=False, validate=ma.validate.Range(min=0, max=10),
                                   metadata={"description": "0-10, kept exact: a number, or a string holding a "
                                                            "decimal or a fraction (\"17/3\"); shown as the "
                                                            "nearest number"})


class RatingRecordSchema(ma.Schema):
    round = ma.fields.Integer()
    rater_id = ma.fields.Integer()
    status = ma.fields.String()
    score = ma.fields.Float(allow_none=True)
    criteria = ma.fields.Dict(allow_none=True)
    rubric = ma.fields.String()


class MarkedResponseSchema(ma.Schema):
    response_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "double_marking, adjudication, final, or overridden (a "
                                                       "test administrator set the section's score instead)"})
    final_score = ma.fields.Float(allow_none=True, metadata={
        "description": "Kept exact; shown here as the nearest number (a mean of raters can be a third)"})
    rule = ma.fields.String(allow_none=True, metadata={"description": rating.FINAL_SCORE_RULE})
    ratings = ma.fields.List(ma.fields.Nested(RatingRecordSchema))


@blp.route("/rating/queue")
class Queue(MethodView):
    @allow(roles(Role.RATER, Role.SENIOR_RATER))
    @blp.response(200, MarkingSchema(many=True))
    def get(self):
        """Raters: your open assignments, earliest deadline first."""
        return rating.my_queue(db_session(), actor=current_actor())


@blp.route("/rating/assignments/<int:assignment_id>")
class Assignment(MethodView):
    @allow(roles(Role.RATER, Role.SENIOR_RATER))
    @blp.response(200, MarkingSchema)
    def get(self, assignment_id):
        """Raters: one of your assignments."""
        return rating.get_marking(db_session(), actor=current_actor(), assignment_id=assignment_id)


@blp.route("/rating/assignments/<int:assignment_id>/submit")
class SubmitMarking(MethodView):
    @allow(roles(Role.RATER, Role.SENIOR_RATER))
    @blp.arguments(MarkSchema)
    @blp.response(200, MarkingSchema)
    def post(self, data, assignment_id):
        """Raters: submit your scores on every criterion of the rubric (once)."""
        return rating.submit_marking(db_session(), actor=current_actor(), assignment_id=assignment_id,
                                     criteria=data["criteria"], comment=data["comment"])


@blp.route("/rubrics")
class Rubrics(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, RubricSchema(many=True))
    def get(self):
        """The latest version of every rubric."""
        return rubrics.list_rubrics(db_session())

    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(RubricSchema)
    @blp.response(201, RubricSchema)
    def post(self, data):
        """Test administrators: a new rubric, or the next version of one (earlier ratings keep theirs)."""
        return rubrics.new_version(db_session(), actor=current_actor(), **data)


@blp.route("/rubrics/<string:code>")
class RubricVersions(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, RubricSchema(many=True))
    def get(self, code):
        """Every version of a rubric, oldest first."""
        return rubrics.versions(db_session(), code)


@blp.route("/rating/benchmarks")
class Benchmarks(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(BenchmarkSchema)
    @blp.response(201, BenchmarkSchema)
    def post(self, data):
        """Test administrators: a script with an agreed score, slipped into raters' queues now and then."""
        return administration.create_benchmark(db_session(), actor=current_actor(), **data)


@blp.route("/attempts/<int:attempt_id>/marking")
class MarkingRecord(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.response(200, MarkedResponseSchema(many=True))
    def get(self, attempt_id):
        """Test administrators: every rating of an attempt's written and spoken answers, and the final scores."""
        return administration.marking_record(db_session(), actor=current_actor(), attempt_id=attempt_id)


class AgreementSchema(ma.Schema):
    n = ma.fields.Integer()
    exact = ma.fields.Float(metadata={"description": "Share of scores equal to the reference"})
    adjacent = ma.fields.Float(metadata={"description": "Share within one step (0.5) of the reference"})
    qwk = ma.fields.Function(lambda agreement: None if math.isnan(agreement.qwk) else agreement.qwk,
                             allow_none=True, metadata={"description": "Quadratic weighted kappa; null when "
                                                        "undefined (no variance)"})
    severity = ma.fields.Float(attribute="mean_difference", metadata={
        "description": "Mean of rater minus reference: positive lenient, negative severe"})
    mean_absolute_difference = ma.fields.Float()
    discrepant = ma.fields.Integer(metadata={"description": "Scores further than the discrepancy threshold"})


class RaterQualitySchema(ma.Schema):
    rater_id = ma.fields.Integer()
    n = ma.fields.Integer()
    flagged = ma.fields.Boolean()
    reasons = ma.fields.List(ma.fields.String())
    live = ma.fields.Nested(AgreementSchema, allow_none=True, metadata={"description": "Against final scores"})
    benchmark = ma.fields.Nested(AgreementSchema, allow_none=True,
                                 metadata={"description": "Against benchmark scripts' agreed scores"})


class QualityPeriodSchema(ma.Schema):
    period_start = ma.fields.DateTime()
    quality = ma.fields.Nested(RaterQualitySchema)


class QualityReportSchema(ma.Schema):
    raters = ma.fields.List(ma.fields.Nested(RaterQualitySchema))
    over_time = ma.fields.Function(lambda report: {
        str(rater): [{"period_start": start, "quality": entry} for start, entry in periods]
        for rater, periods in report.get("over_time", {}).items()} if "over_time" in report else None,
        allow_none=True, metadata={"description": "Per rater (by id), one entry per period with ratings"})

    @ma.post_dump
    def periods_dumped(self, data, **_kwargs):
        if data.get("over_time"):
            period = QualityPeriodSchema(many=True)
            data["over_time"] = {rater: period.dump(entries) for rater, entries in data["over_time"].items()}
        return data


class QualityArgsSchema(StrictSchema):
    period = ma.fields.String(validate=ma.validate.OneOf(["day", "week", "month"]),
                              metadata={"description": "Also show each rater's quality per period"})


@blp.route("/rating/quality")
class Quality(MethodView):
    @allow(roles(Role.TEST_ADMIN))
    @blp.arguments(QualityArgsSchema, location="query")
    @blp.response(200, QualityReportSchema)
    def get(self, args):
        """Test administrators: raters' agreement and severity, flags below the thresholds, and drift."""
        return monitoring.quality_report(db_session(), actor=current_actor(), period=args.get("period"))
