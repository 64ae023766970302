"""The compliance report and the people-levels listing: the API contract."""

from __future__ import annotations

import marshmallow as ma

from api.schemas import LANGUAGE, QUERY_ID, StrictSchema
from core.db import INT32_MAX
from assessment.models import LevelBasis
from learning.models import StaffCategory, UnitGroup

FORMATS = ("json", "csv", "xlsx")


class ComplianceQueryArgsSchema(StrictSchema):
    deadline = ma.fields.Date(required=True, metadata={"description": "A deadline of targets.yaml, e.g. 2025-12-31"})
    as_of = ma.fields.Date(load_default=None, metadata={"description": "The day measured (default: today)"})
    language = ma.fields.String(load_default=None, validate=LANGUAGE,
                                metadata={"description": "Count only levels in this language (default: any)"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(FORMATS))


class ChartQueryArgsSchema(StrictSchema):
    deadline = ma.fields.Date(required=True)
    as_of = ma.fields.Date(load_default=None)
    language = ma.fields.String(load_default=None, validate=LANGUAGE)


class ComplianceRowSchema(ma.Schema):
    unit = ma.fields.String(metadata={"description": "The unit's code, or ALL for the rollup"})
    unit_name = ma.fields.String()
    group = ma.fields.String()
    cohort = ma.fields.String()
    in_scope = ma.fields.Integer()
    at_or_above = ma.fields.Integer()
    share = ma.fields.Float(metadata={"description": "at_or_above / in_scope, 0..1"})
    target = ma.fields.Float(metadata={"description": "The target share, 0..1"})
    gap_people = ma.fields.Integer(metadata={"description": "max(0, ceil(target * in_scope) - at_or_above)"})
    recent = ma.fields.Integer(metadata={"description": "People who first reached the level in the recent window"})
    projection = ma.fields.String(metadata={
        "description": "already, never at this rate (also when the month would be past 9999), or YYYY-MM"})
    on_track = ma.fields.Boolean()


class UnrecognisedRoleSchema(ma.Schema):
    staff_id = ma.fields.Integer()
    staff_number = ma.fields.String(allow_none=True)
    full_name = ma.fields.String()
    unit = ma.fields.String(metadata={"description": "The unit's code"})
    leadership_role = ma.fields.String(metadata={"description": "As stored, naming no rung of the ladder"})


class ComplianceReportSchema(ma.Schema):
    deadline = ma.fields.Date()
    as_of = ma.fields.Date()
    required_level = ma.fields.Integer()
    recent_months = ma.fields.Integer()
    rows = ma.fields.List(ma.fields.Nested(ComplianceRowSchema))
    groups = ma.fields.List(ma.fields.Nested(ComplianceRowSchema))
    unrecognised_leadership_roles = ma.fields.List(ma.fields.Nested(UnrecognisedRoleSchema), metadata={
        "description": "People counted here whose leadership role (stored before roles were checked) names no "
                       "rung of the ladder: no cohort that counts leaders counts them until it is corrected"})


class PeopleLevelsQueryArgsSchema(StrictSchema):
    unit_id = ma.fields.Integer(load_default=None, validate=QUERY_ID,
                                metadata={"description": "The unit and the units below it"})
    group = ma.fields.String(load_default=None, validate=ma.validate.OneOf([g.value for g in UnitGroup]))
    category = ma.fields.String(load_default=None, validate=ma.validate.OneOf([c.value for c in StaffCategory]))
    is_leader = ma.fields.Boolean(load_default=None)
    leadership_role = ma.fields.String(load_default=None, metadata={
        "description": "A rung of targets.yaml's leadership_roles or one of its Vietnamese titles, as PATCH "
                       "/staff/{id} takes it (e.g. pho_truong_phong: deputy_division_head)"})
    under_40 = ma.fields.Boolean(load_default=None, metadata={"description": "Younger than 40 at as_of"})
    language = ma.fields.String(load_default=None, validate=LANGUAGE)
    level = ma.fields.Integer(load_default=None, validate=ma.validate.Range(1, 6),
                              metadata={"description": "Best valid level exactly this"})
    min_level = ma.fields.Integer(load_default=None, validate=ma.validate.Range(1, 6))
    basis = ma.fields.String(load_default=None, validate=ma.validate.OneOf(
        [LevelBasis.CERTIFICATION.value, LevelBasis.EXTERNAL.value]),
        metadata={"description": "Certificate source; default: both certified bases"})
    in_scope = ma.fields.Boolean(load_default=None, metadata={
        "description": "Only people the targets count on as_of (in scope and employed that day); false: the others"})
    as_of = ma.fields.Date(load_default=None)
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(1, 1000))
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=INT32_MAX))


class PersonLevelSchema(ma.Schema):
    staff_id = ma.fields.Integer()
    user_id = ma.fields.Integer(allow_none=True)
    full_name = ma.fields.String()
    unit_id = ma.fields.Integer()
    unit_code = ma.fields.String()
    group = ma.fields.String()
    category = ma.fields.String()
    is_leader = ma.fields.Boolean()
    leadership_role = ma.fields.String(allow_none=True)
    birth_date = ma.fields.Date(allow_none=True)
    is_language_teacher = ma.fields.Boolean()
    level = ma.fields.Integer(allow_none=True, metadata={"description": "Best certified level valid at as_of"})
    language = ma.fields.String(allow_none=True)
    basis = ma.fields.String(allow_none=True)
    awarded_at = ma.fields.DateTime(allow_none=True)
    valid_until = ma.fields.Date(allow_none=True)
