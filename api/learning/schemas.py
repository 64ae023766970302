from __future__ import annotations

import marshmallow as ma

from api.schemas import QUERY_ID, StrictSchema
from assessment.models import LevelBasis
from learning.queries import CERTIFIED


class UnitSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    group = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)


class LevelQueryArgsSchema(StrictSchema):
    unit_id = ma.fields.Integer(required=True, validate=QUERY_ID)
    basis = ma.fields.String(load_default=CERTIFIED,
                             validate=ma.validate.OneOf([CERTIFIED, *(basis.value for basis in LevelBasis)]),
                             metadata={"description": "certified (default): certification tests and verified "
                                                      "external certificates; or one basis alone"})


class LevelRecordSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    unit_id = ma.fields.Integer()
    level = ma.fields.Integer()
    basis = ma.fields.String()
    awarded_at = ma.fields.DateTime()
    external_certificate_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "For basis external: the verified certificate (/api/v1/external-certificates/{id})"})
