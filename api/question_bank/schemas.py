from __future__ import annotations

import marshmallow as ma

from api.schemas import LANGUAGE, QUERY_ID, Id, PageArgsSchema, PageMetaSchema, StrictSchema, WholeMatch
from question_bank.item_types import REGISTRY
from question_bank.models import MAX_IDENTIFIER, MAX_PLAYS, MAX_TEXT_FIELDS, ItemStatus, Skill
from question_bank.queries import SORTS

SKILLS = [s.value for s in Skill]
TYPES = sorted(REGISTRY)
Tags = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
                      validate=ma.validate.Length(max=30))
SCORING = ("Keys and scoring rules; never shown to candidates. `points` (default 1) and `method`: all_or_nothing, "
           "partial (a share of the points) for types with partial credit, or, for gap_fill and inline_choice, "
           "table with `table`: the points for 0, 1, ... gaps right, all gaps right earning `points` "
           "(e.g. 3 gaps, 2 points: [0, 0, 1, 2])")


class ItemMetadataSchema(StrictSchema):
    skill = ma.fields.String(validate=ma.validate.OneOf(SKILLS))
    level = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=6))
    language = ma.fields.String(validate=WholeMatch(r"^[a-z]{2,3}$"))
    title = ma.fields.String(validate=ma.validate.Length(max=MAX_TEXT_FIELDS["title"]))
    topic = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_TEXT_FIELDS["topic"]))
    tags = Tags
    source = ma.fields.String(validate=ma.validate.Length(max=MAX_TEXT_FIELDS["source"]))
    expected_seconds = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=7200))
    stimulus_id = Id()


class ItemCreateSchema(ItemMetadataSchema):
    type = ma.fields.String(required=True, validate=ma.validate.OneOf(TYPES))
    skill = ma.fields.String(required=True, validate=ma.validate.OneOf(SKILLS))
    level = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=6))
    language = ma.fields.String(load_default="en", validate=WholeMatch(r"^[a-z]{2,3}$"))
    identifier = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_IDENTIFIER))
    content = ma.fields.Dict(keys=ma.fields.String(), required=True,
                             metadata={"description": "What candidates see, e.g. stem and options"})
    scoring = ma.fields.Dict(keys=ma.fields.String(), required=True, metadata={"description": SCORING})


class ItemUpdateSchema(ItemMetadataSchema):
    """Fields to change; content, scoring, stimulus, skill or level changes create a new immutable version (an
    approved item goes back to draft for review)."""

    content = ma.fields.Dict(keys=ma.fields.String())
    scoring = ma.fields.Dict(keys=ma.fields.String(), metadata={"description": SCORING})
    stimulus_id = Id(allow_none=True, metadata={
        "description": "Another passage or recording for the item, or null to remove it: a change is a new "
                       "version, back to review. Leave it out to keep the current one"})
    comment = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class ItemStatisticsSlotSchema(ma.Schema):
    exposure_count = ma.fields.Integer()
    response_count = ma.fields.Integer()
    p_value = ma.fields.Float(allow_none=True)
    point_biserial = ma.fields.Float(allow_none=True)
    irt_model = ma.fields.String(allow_none=True)
    irt_a = ma.fields.Float(allow_none=True)
    irt_b = ma.fields.Float(allow_none=True)
    irt_c = ma.fields.Float(allow_none=True)
    irt_se_a = ma.fields.Float(allow_none=True)
    irt_se_b = ma.fields.Float(allow_none=True)
    irt_se_c = ma.fields.Float(allow_none=True)
    irt_provisional = ma.fields.Boolean()
    calibrated_at = ma.fields.DateTime(allow_none=True)


class ItemVersionSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.Integer()
    content = ma.fields.Dict()
    scoring = ma.fields.Dict()
    stimulus_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The passage or recording this version is delivered with"})
    skill = ma.fields.String(allow_none=True, metadata={
        "description": "The skill this version is reviewed, delivered and scored under"})
    level = ma.fields.Integer(allow_none=True, metadata={
        "description": "The level this version is reviewed and delivered under"})
    created_by = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    statistics = ma.fields.Nested(ItemStatisticsSlotSchema, allow_none=True, metadata={
        "description": "Exposure, classical statistics and IRT parameters of this version (null until filled)"})


class ItemSchema(ma.Schema):
    id = ma.fields.Integer()
    identifier = ma.fields.String(allow_none=True)
    type = ma.fields.String()
    title = ma.fields.String()
    skill = ma.fields.String(allow_none=True)
    level = ma.fields.Integer(allow_none=True)
    language = ma.fields.String()
    topic = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    category = ma.fields.String(allow_none=True)
    source = ma.fields.String()
    expected_seconds = ma.fields.Integer(allow_none=True)
    stimulus_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String()
    author_id = ma.fields.Integer()
    revision = ma.fields.Integer()
    etag = ma.fields.String(metadata={"description": "Send back as If-Match when editing"})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    current_version = ma.fields.Nested(ItemVersionSchema)


class RetiredItemSchema(ItemSchema):
    """A retired item, and the published tests that still deliver it: a test keeps the versions it was published
    with until it is archived (POST /tests/{test_id}/archive)."""

    still_delivered_by = ma.fields.List(ma.fields.Integer(), metadata={
        "description": "Ids of published tests holding a version of the item; archive them to stop its delivery"})

    def get_attribute(self, obj, attr, default):
        return super().get_attribute(obj if attr == "still_delivered_by" else obj.item, attr, default)


class ItemQueryArgsSchema(PageArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in ItemStatus]))
    skill = ma.fields.String(validate=ma.validate.OneOf(SKILLS))
    level = ma.fields.Integer(validate=ma.validate.Range(min=1, max=6))
    type = ma.fields.String(validate=ma.validate.OneOf(TYPES))
    language = ma.fields.String(validate=LANGUAGE)
    topic = ma.fields.String(validate=ma.validate.Length(min=1, max=80))
    tag = ma.fields.List(ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
                         metadata={"description": "Repeat for several; items must have all of them"})
    q = ma.fields.String(validate=ma.validate.Length(min=1, max=200), metadata={"description": "Words in the text"})
    author_id = ma.fields.Integer(validate=QUERY_ID)
    sort = ma.fields.String(load_default="id", validate=ma.validate.OneOf(sorted(SORTS)))


class ItemSummarySchema(ma.Schema):
    """An item in search results: metadata and a plain-text preview; the content is one GET away."""

    id = ma.fields.Integer()
    identifier = ma.fields.String(allow_none=True)
    type = ma.fields.String()
    title = ma.fields.String()
    preview = ma.fields.String()
    skill = ma.fields.String(allow_none=True)
    level = ma.fields.Integer(allow_none=True)
    language = ma.fields.String()
    topic = ma.fields.String(allow_none=True)
    tags = ma.fields.List(ma.fields.String())
    status = ma.fields.String()
    author_id = ma.fields.Integer()
    stimulus_id = ma.fields.Integer(allow_none=True)
    revision = ma.fields.Integer()
    updated_at = ma.fields.DateTime()


class ItemPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ItemSummarySchema))
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


class DiffArgsSchema(StrictSchema):
    from_version = ma.fields.Integer(required=True, data_key="from", validate=QUERY_ID)
    to_version = ma.fields.Integer(required=True, data_key="to", validate=QUERY_ID)


class ChangeSchema(ma.Schema):
    path = ma.fields.String(metadata={"description": "What changed: `content.…` or `scoring.…` (dot-separated, "
                                                     "down to the leaf), `skill`, `level` or `stimulus_id` (the "
                                                     "passage or recording)"})
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)


class EnemiesSchema(StrictSchema):
    enemy_ids = ma.fields.List(Id(), required=True,
                               validate=ma.validate.Length(max=200))


class StimulusCreateSchema(StrictSchema):
    kind = ma.fields.String(load_default="passage", validate=ma.validate.OneOf(["passage", "audio", "image"]))
    title = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))
    body = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200_000))
    language = ma.fields.String(load_default="en", validate=WholeMatch(r"^[a-z]{2,3}$"))
    identifier = ma.fields.String(validate=ma.validate.Length(min=1, max=MAX_IDENTIFIER))
    max_plays = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_PLAYS))


class StimulusSchema(ma.Schema):
    id = ma.fields.Integer()
    identifier = ma.fields.String(allow_none=True)
    kind = ma.fields.String()
    title = ma.fields.String()
    body = ma.fields.String()
    language = ma.fields.String()
    max_plays = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class MediaSchema(ma.Schema):
    sha256 = ma.fields.String()
    mime_type = ma.fields.String()
    size = ma.fields.Integer()
    original_name = ma.fields.String()
    url = ma.fields.Function(lambda media: f"/api/v1/media/{media.sha256}")


class MediaUploadSchema(ma.Schema):
    file = ma.fields.Raw(metadata={"type": "string", "format": "binary"}, required=True)


class AuditEventSchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    action = ma.fields.String()
    entity_type = ma.fields.String()
    entity_id = ma.fields.String()
    detail = ma.fields.Dict()


class ImportArgsSchema(StrictSchema):
    dry_run = ma.fields.Boolean(load_default=False)
    skill = ma.fields.String(validate=ma.validate.OneOf(SKILLS))
    level = ma.fields.Integer(validate=ma.validate.Range(min=1, max=6))


class ImportEntrySchema(ma.Schema):
    source = ma.fields.String()
    item_id = ma.fields.Integer(allow_none=True, metadata={
        "description": "The item created or updated; null in a dry run (its items are rolled back)"})
    type = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"description": "created, updated, unchanged, unsupported or error"})
    reason = ma.fields.String()


class ImportReportSchema(ma.Schema):
    dry_run = ma.fields.Boolean()
    summary = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    entries = ma.fields.List(ma.fields.Nested(ImportEntrySchema))
