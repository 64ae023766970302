from __future__ import annotations

import marshmallow as ma

from api.schemas import PageArgsSchema, PageMetaSchema, StrictSchema
from question_bank.item_types import REGISTRY
from question_bank.models import ItemStatus, Skill


class ItemCreateSchema(StrictSchema):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(sorted(REGISTRY)))
    skill = ma.fields.String(required=True, validate=ma.validate.OneOf([s.value for s in Skill]))
    level = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=6))
    language = ma.fields.String(load_default="en", validate=ma.validate.Regexp(r"^[a-z]{2,3}$"))
    content = ma.fields.Dict(keys=ma.fields.String(), required=True,
                             metadata={"description": "What candidates see, e.g. stem and options"})
    scoring = ma.fields.Dict(keys=ma.fields.String(), required=True,
                             metadata={"description": "Keys and scoring rules; never shown to candidates"})


class ItemVersionSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.Integer()
    content = ma.fields.Dict()
    scoring = ma.fields.Dict()
    created_at = ma.fields.DateTime()


class ItemSchema(ma.Schema):
    id = ma.fields.Integer()
    type = ma.fields.String()
    skill = ma.fields.String()
    level = ma.fields.Integer()
    language = ma.fields.String()
    status = ma.fields.String()
    author_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    current_version = ma.fields.Nested(ItemVersionSchema)


class ItemQueryArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ItemStatus]))
    skill = ma.fields.String(validate=ma.validate.OneOf([s.value for s in Skill]))
    level = ma.fields.Integer(validate=ma.validate.Range(min=1, max=6))
    type = ma.fields.String(validate=ma.validate.OneOf(sorted(REGISTRY)))


class ItemPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ItemSchema))
    meta = ma.fields.Nested(PageMetaSchema)


class ReviewSchema(ma.Schema):
    id = ma.fields.Integer()
    item_version_id = ma.fields.Integer()
    actor_id = ma.fields.Integer()
    action = ma.fields.String()
    comment = ma.fields.String()
    created_at = ma.fields.DateTime()


class RejectSchema(StrictSchema):
    comment = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))
