"""Schemas of the staff and unit-tree endpoints."""

from __future__ import annotations

import marshmallow as ma

from api.schemas import LANGUAGE, QUERY_ID, PageArgsSchema, PageMetaSchema, StrictSchema, WholeMatch
from learning.models import StaffCategory, UnitGroup
from learning.staff import EMPLOYMENT, GENDERS

class UnitQueryArgsSchema(StrictSchema):
    view = ma.fields.String(load_default="flat", validate=ma.validate.OneOf(["flat", "tree"]),
                            metadata={"description": "flat (default): every unit with its parent_id; tree: "
                                                     "top-level units with their sub-units nested"})


class UnitTreeSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    group = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    children = ma.fields.List(ma.fields.Nested(lambda: UnitTreeSchema()),
                              metadata={"description": "Sub-units (view=tree only)"})


class UnitCreateSchema(StrictSchema):
    code = ma.fields.String(required=True, validate=[ma.validate.Length(min=1, max=32),
                                                     WholeMatch(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")])
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    parent_id = ma.fields.Integer(allow_none=True, load_default=None)
    group = ma.fields.String(validate=ma.validate.OneOf([g.value for g in UnitGroup]),
                             metadata={"description": "Default: the parent's group"})


class StaffQueryArgsSchema(PageArgsSchema):
    unit = ma.fields.Integer(validate=QUERY_ID, metadata={"description": "Unit id: that unit and its sub-units"})
    category = ma.fields.String(validate=ma.validate.OneOf([c.value for c in StaffCategory]))
    leader = ma.fields.Boolean()
    position = ma.fields.Integer(validate=QUERY_ID, metadata={"description": "Job position id"})
    language = ma.fields.String(validate=LANGUAGE, metadata={"description": "Uses this language at work"})
    age_under = ma.fields.Integer(validate=ma.validate.Range(min=1, max=150),
                                  metadata={"description": "Younger than this many years today"})
    employment = ma.fields.String(load_default="all", validate=ma.validate.OneOf(EMPLOYMENT), metadata={
        "description": "current: employed today (joined_on, left_on); left: left before today; all (default): "
                       "every record, leavers and people joining later too"})


class StaffSchema(ma.Schema):
    id = ma.fields.Integer()
    staff_number = ma.fields.String(allow_none=True)
    full_name = ma.fields.String()
    birth_date = ma.fields.Date(allow_none=True)
    gender = ma.fields.String(allow_none=True)
    unit_id = ma.fields.Integer()
    unit_code = ma.fields.Function(lambda member: member.unit.code)
    category = ma.fields.String()
    is_leader = ma.fields.Boolean()
    leadership_role = ma.fields.String(allow_none=True)
    position_id = ma.fields.Integer(allow_none=True)
    position_title = ma.fields.Function(lambda member: member.position.title if member.position else None,
                                        allow_none=True)
    languages = ma.fields.List(ma.fields.String())
    is_language_teacher = ma.fields.Boolean()
    is_external_relations = ma.fields.Boolean(metadata={
        "description": "Marked as external-relations staff outside the external-relations units"})
    user_id = ma.fields.Integer(allow_none=True)
    username = ma.fields.Function(lambda member: member.user.username if member.user else None, allow_none=True,
                                  metadata={"description": "The linked login account (its levels count as "
                                                           "this person's); null: none"})
    joined_on = ma.fields.Date(allow_none=True, metadata={"description": "First day employed; null: since "
                                                                         "before the records"})
    left_on = ma.fields.Date(allow_none=True, metadata={"description": "Last day employed, and of the linked "
                                                                       "account's access; null: still employed"})


class StaffPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(StaffSchema))
    meta = ma.fields.Nested(PageMetaSchema)


class StaffUpdateSchema(StrictSchema):
    staff_number = ma.fields.String(validate=WholeMatch(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,31}$"))
    full_name = ma.fields.String(validate=ma.validate.Length(min=1, max=200))
    birth_date = ma.fields.Date()
    gender = ma.fields.String(validate=ma.validate.OneOf(GENDERS))
    unit_id = ma.fields.Integer()
    category = ma.fields.String(validate=ma.validate.OneOf([c.value for c in StaffCategory]))
    is_leader = ma.fields.Boolean()
    leadership_role = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=40), metadata={
        "description": "A rung of targets.yaml's leadership_roles (deputy_division_head ... president) or its "
                       "Vietnamese title (Phó trưởng phòng, Trưởng phòng, Phó trưởng ban, Trưởng ban, ...)"})
    position_id = ma.fields.Integer(allow_none=True)
    languages = ma.fields.List(ma.fields.String(validate=LANGUAGE), validate=ma.validate.Length(max=20))
    is_language_teacher = ma.fields.Boolean()
    is_external_relations = ma.fields.Boolean()
    username = ma.fields.String(allow_none=True, validate=ma.validate.Length(min=1, max=80), metadata={
        "description": "Link the person's login account (an account of the caller's HR scope, not linked to "
                       "anyone else); null unlinks it"})
    joined_on = ma.fields.Date(allow_none=True, metadata={
        "description": "First day employed (compliance counts the person from it); null: since before the records"})
    left_on = ma.fields.Date(allow_none=True, metadata={
        "description": "Last day employed (compliance counts the person until it), and the last day their linked "
                       "login account may be used; not before joined_on; null reinstates the person and their "
                       "account"})

    @ma.validates_schema
    def _not_empty(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError("name at least one field to change", field_name="_schema")


class StaffImportArgsSchema(StrictSchema):
    dry_run = ma.fields.Boolean(load_default=False, metadata={"description": "Check and report; write nothing"})


class StaffUploadSchema(ma.Schema):
    file = ma.fields.Raw(required=True, metadata={"type": "string", "format": "binary",
                                                  "description": "A .csv (UTF-8) or .xlsx staff list"})


class StaffImportEntrySchema(ma.Schema):
    row = ma.fields.Integer(metadata={"description": "Spreadsheet row number (the header is row 1)"})
    staff_number = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"description": "created, updated, unchanged or rejected"})
    reasons = ma.fields.List(ma.fields.String(), metadata={"description": "column: problem, for rejected rows; "
                                                                          "the changed fields for updated rows"})
    staff_id = ma.fields.Integer(allow_none=True)


class StaffImportReportSchema(ma.Schema):
    dry_run = ma.fields.Boolean()
    written = ma.fields.Boolean(metadata={"description": "False on a dry run and when any row is rejected"})
    summary = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    ignored_columns = ma.fields.List(ma.fields.String())
    entries = ma.fields.List(ma.fields.Nested(StaffImportEntrySchema))
