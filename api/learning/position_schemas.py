"""The contract of the job-positions API."""

from __future__ import annotations

import marshmallow as ma

from api.schemas import LANGUAGE, StrictSchema

REQUIRED_LEVEL = ma.validate.Range(min=1, max=6)
TITLE = ma.validate.Length(min=1, max=200)


class PositionSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    language = ma.fields.String()
    required_level = ma.fields.Integer(metadata={"description": "Level of the 6-level framework (1-6)"})
    is_leadership = ma.fields.Boolean()
    required_by = ma.fields.Date(allow_none=True, metadata={
        "description": "The day the level is required; a path planned without a deadline takes it"})


class PositionCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=TITLE)
    language = ma.fields.String(load_default="en", validate=LANGUAGE)
    required_level = ma.fields.Integer(required=True, strict=True, validate=REQUIRED_LEVEL)
    is_leadership = ma.fields.Boolean(load_default=False)
    required_by = ma.fields.Date(allow_none=True, load_default=None)


class PositionPatchSchema(StrictSchema):
    title = ma.fields.String(validate=TITLE)
    language = ma.fields.String(validate=LANGUAGE)
    required_level = ma.fields.Integer(strict=True, validate=REQUIRED_LEVEL)
    is_leadership = ma.fields.Boolean()
    required_by = ma.fields.Date(allow_none=True)

    @ma.validates_schema
    def _not_empty(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("name at least one field to change", field_name="_schema")
