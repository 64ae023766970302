from __future__ import annotations

import marshmallow as ma

from api.schemas import StrictSchema
from assessment.models import TestPurpose


class UnitSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    group = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)


class LevelQueryArgsSchema(StrictSchema):
    unit_id = ma.fields.Integer(required=True)
    basis = ma.fields.String(load_default=TestPurpose.CERTIFICATION.value,
                             validate=ma.validate.OneOf([TestPurpose.CERTIFICATION.value,
                                                         TestPurpose.PLACEMENT.value]))


class LevelRecordSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    unit_id = ma.fields.Integer()
    level = ma.fields.Integer()
    basis = ma.fields.String()
    awarded_at = ma.fields.DateTime()
