from __future__ import annotations

import marshmallow as ma

from api.schemas import StrictSchema
from assessment.models import TestPurpose


class CutScoreSchema(StrictSchema):
    level = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=6))
    min_score = ma.fields.Float(required=True, validate=ma.validate.Range(min=0))


class TestCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf([p.value for p in TestPurpose]))
    item_ids = ma.fields.List(ma.fields.Integer(strict=True), required=True,
                              validate=ma.validate.Length(min=1, max=500))
    cut_scores = ma.fields.List(ma.fields.Nested(CutScoreSchema), required=True,
                                validate=ma.validate.Length(min=1, max=6))


class TestSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    kind = ma.fields.String()
    purpose = ma.fields.String()
    status = ma.fields.String()
    item_count = ma.fields.Function(lambda test: len(test.entries))
    cut_scores = ma.fields.List(ma.fields.Nested(CutScoreSchema))
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
    items = ma.fields.List(ma.fields.Nested(DeliveredItemSchema))


class AnswerSchema(StrictSchema):
    answer = ma.fields.Dict(keys=ma.fields.String(), required=True)


class ResponseSchema(ma.Schema):
    position = ma.fields.Integer()
    answer = ma.fields.Dict()
    answered_at = ma.fields.DateTime()


class ResultSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="id")
    test_id = ma.fields.Integer()
    status = ma.fields.String()
    raw_score = ma.fields.Float()
    max_score = ma.fields.Float()
    level = ma.fields.Integer(allow_none=True, metadata={"description": "Level 1-6, or null below the lowest cut"})
    submitted_at = ma.fields.DateTime()
