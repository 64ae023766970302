from __future__ import annotations

import marshmallow as ma

from api.schemas import StrictSchema
from assessment.models import TestPurpose


class CutScoreSchema(StrictSchema):
    level = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=6))
    min_score = ma.fields.Float(required=True, validate=ma.validate.Range(min=0))


class QuotaSchema(StrictSchema):
    min = ma.fields.Integer(strict=True, load_default=0, validate=ma.validate.Range(min=0, max=200))
    max = ma.fields.Integer(strict=True, allow_none=True, load_default=None, validate=ma.validate.Range(min=0, max=200))


class AdaptiveSettingsSchema(StrictSchema):
    """How an adaptive test selects, stops and places; defaults suit a 6-level placement test."""

    cuts = ma.fields.List(ma.fields.Float(allow_nan=False), validate=ma.validate.Length(equal=5),
                          metadata={"description": "Five cuts on the ability scale separating levels 1-6"})
    min_items = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=200))
    max_items = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=200))
    se_stop = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=0.05, max=2))
    classification_confidence = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=0.5, max=0.999))
    selector = ma.fields.String(validate=ma.validate.Regexp(r"^(maxinfo|randomesque:[1-9][0-9]?)$"))
    skills = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(
        ["listening", "reading", "grammar", "vocabulary", "writing", "speaking"])), validate=ma.validate.Length(max=6))
    quotas = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(QuotaSchema))

    @ma.post_load
    def to_settings(self, data, **_kwargs):
        from assessment.adaptive import AdaptiveSettings

        if "cuts" in data:
            data["cuts"] = tuple(data["cuts"])
        if "skills" in data:
            data["skills"] = tuple(data["skills"])
        if "quotas" in data:
            data["quotas"] = {skill: (q["min"], q["max"]) for skill, q in data["quotas"].items()}
        return AdaptiveSettings(**data)


class TestCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf([p.value for p in TestPurpose]))
    kind = ma.fields.String(load_default="fixed", validate=ma.validate.OneOf(["fixed", "adaptive"]))
    item_ids = ma.fields.List(ma.fields.Integer(strict=True), validate=ma.validate.Length(min=1, max=500),
                              metadata={"description": "Fixed tests: the approved items, in order"})
    cut_scores = ma.fields.List(ma.fields.Nested(CutScoreSchema), validate=ma.validate.Length(min=1, max=6),
                                metadata={"description": "Fixed tests: raw-score cut-offs per level"})
    adaptive = ma.fields.Nested(AdaptiveSettingsSchema, metadata={"description": "Adaptive tests: their rules"})
    time_limit_seconds = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=60, max=21600),
                                           metadata={"description": "Time for an attempt, kept by the server"})

    @ma.validates_schema
    def fields_of_the_kind(self, data, **_kwargs):
        if data.get("kind", "fixed") == "fixed":
            missing = {name: ["Missing data for required field."] for name in ("item_ids", "cut_scores")
                       if name not in data}
            if missing:
                raise ma.ValidationError(missing)
            if "adaptive" in data:
                raise ma.ValidationError({"adaptive": ["Only adaptive tests take adaptive settings."]})
        elif "item_ids" in data or "cut_scores" in data:
            raise ma.ValidationError({"item_ids": ["An adaptive test draws from the calibrated bank; "
                                                   "give adaptive settings instead."]})


class TestSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    kind = ma.fields.String()
    purpose = ma.fields.String()
    status = ma.fields.String()
    item_count = ma.fields.Function(lambda test: test["item_count"] if isinstance(test, dict) else len(test.entries),
                                    allow_none=True, metadata={"description": "Adaptive tests: the pool's size "
                                                               "(test administrators only)"})
    cut_scores = ma.fields.List(ma.fields.Nested(CutScoreSchema),
                                metadata={"description": "Test administrators only"})
    adaptive = ma.fields.Dict(attribute="config", metadata={"description": "Adaptive tests' rules; test "
                                                            "administrators only"})
    time_limit_seconds = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class DeliveredItemSchema(ma.Schema):
    """An item as the candidate sees it: content only, never keys or parameters."""

    position = ma.fields.Integer()
    type = ma.fields.String()
    skill = ma.fields.String()
    content = ma.fields.Dict()
    answer = ma.fields.Dict(allow_none=True)


class AttemptSchema(ma.Schema):
    id = ma.fields.Integer()
    test_id = ma.fields.Integer()
    candidate_id = ma.fields.Integer()
    status = ma.fields.String()
    started_at = ma.fields.DateTime()
    submitted_at = ma.fields.DateTime(allow_none=True)
    deadline = ma.fields.DateTime(allow_none=True, metadata={"description": "When the server stops taking answers"})
    seconds_left = ma.fields.Integer(allow_none=True, metadata={"description": "By the server's clock"})
    closed_reason = ma.fields.String(allow_none=True)
    test_session_id = ma.fields.Integer(allow_none=True, metadata={"description": "The session it is sat in"})
    items = ma.fields.List(ma.fields.Nested(DeliveredItemSchema))


class AnswerSchema(StrictSchema):
    answer = ma.fields.Dict(keys=ma.fields.String(), required=True)


class ResponseSchema(ma.Schema):
    position = ma.fields.Integer()
    answer = ma.fields.Dict()
    answered_at = ma.fields.DateTime()
    next_position = ma.fields.Integer(allow_none=True,
                                      metadata={"description": "Adaptive tests: the position of the next item"})
    finished = ma.fields.Boolean(metadata={"description": "Adaptive tests: the test ended with this answer"})


class ResultSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="id")
    test_id = ma.fields.Integer()
    status = ma.fields.String()
    raw_score = ma.fields.Float()
    max_score = ma.fields.Float()
    level = ma.fields.Integer(allow_none=True, metadata={"description": "Level 1-6, or null below the lowest cut"})
    submitted_at = ma.fields.DateTime()
    closed_reason = ma.fields.String(allow_none=True, metadata={"description": "submitted, finished or time_up"})
    theta = ma.fields.Float(allow_none=True, metadata={"description": "Adaptive tests: the ability estimate"})
    se = ma.fields.Float(allow_none=True)
    placement = ma.fields.Dict(allow_none=True, metadata={
        "description": "Adaptive tests: probability of each level, per-skill profile, items, why it stopped"})
