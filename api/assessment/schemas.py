from __future__ import annotations

import marshmallow as ma

from api.schemas import Id, StrictSchema, WholeMatch
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
    selector = ma.fields.String(validate=WholeMatch(r"^(maxinfo|randomesque:[1-9][0-9]?)$"))
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


class ConversionStepSchema(StrictSchema):
    min_raw = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=0))
    score = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=0, max=10))


class SectionDraftSchema(StrictSchema):
    """A section of a VSTEP.3-5 exam: its skill, items in order, time and (listening, reading) table."""

    skill = ma.fields.String(required=True, validate=ma.validate.OneOf(["listening", "reading", "writing",
                                                                        "speaking"]))
    title = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    item_ids = ma.fields.List(Id(), required=True, validate=ma.validate.Length(min=1,
                                                                                                     max=100))
    time_limit_seconds = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=60, max=21600),
                                           metadata={"description": "Default: the format's (40, 60, 60, 12 min)"})
    conversion = ma.fields.List(ma.fields.Nested(ConversionStepSchema), validate=ma.validate.Length(max=101),
                                metadata={"description": "This form's raw-score -> 0-10 table (listening, reading); "
                                          "default: proportional, rounded half up to 0.5"})

    @ma.post_load
    def to_draft(self, data, **_kwargs):
        from assessment.services import SectionDraft

        data["conversion"] = [{"min_raw": step["min_raw"], "score": step["score"]}
                              for step in data.get("conversion", ())]
        return SectionDraft(**data)


class TestCreateSchema(StrictSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf([p.value for p in TestPurpose]))
    kind = ma.fields.String(load_default="fixed", validate=ma.validate.OneOf(["fixed", "adaptive", "sectioned"]))
    item_ids = ma.fields.List(Id(), validate=ma.validate.Length(min=1, max=500),
                              metadata={"description": "Fixed tests: the approved items, in order"})
    cut_scores = ma.fields.List(ma.fields.Nested(CutScoreSchema), validate=ma.validate.Length(min=1, max=6),
                                metadata={"description": "Fixed tests: raw-score cut-offs per level"})
    adaptive = ma.fields.Nested(AdaptiveSettingsSchema, metadata={"description": "Adaptive tests: their rules"})
    time_limit_seconds = ma.fields.Integer(strict=True, allow_none=True, validate=ma.validate.Range(min=60, max=21600),
                                           metadata={"description": "Time for an attempt, kept by the server"})
    sections = ma.fields.List(ma.fields.Nested(SectionDraftSchema), validate=ma.validate.Length(equal=4),
                              metadata={"description": "Sectioned (VSTEP.3-5) exams: listening, reading, writing "
                                        "and speaking, in that order"})
    certificate_valid_months = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=120),
                                                 metadata={"description": "Sectioned certification exams: how long "
                                                           "the certificate is valid (default 24 months)"})

    @ma.validates_schema
    def fields_of_the_kind(self, data, **_kwargs):
        kind = data.get("kind", "fixed")
        if kind != "sectioned":
            extra = [name for name in ("sections", "certificate_valid_months") if name in data]
            if extra:
                raise ma.ValidationError({extra[0]: ["Only sectioned exams take sections."]})
        if kind == "sectioned":
            if "sections" not in data:
                raise ma.ValidationError({"sections": ["Missing data for required field."]})
            extra = [name for name in ("item_ids", "cut_scores", "adaptive", "time_limit_seconds") if name in data]
            if extra:
                raise ma.ValidationError({extra[0]: ["A sectioned exam takes its items and times per section and "
                                                     "scores by the VSTEP rules."]})
        elif kind == "fixed":
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
    adaptive = ma.fields.Function(lambda test: _admin_config(test) if _kind(test) == "adaptive" else None,
                                  metadata={"description": "Adaptive tests' rules; test administrators only"})
    sections = ma.fields.Function(lambda test: _sections(test), allow_none=True, metadata={
        "description": "Sectioned exams: skill, title, time and item count of each section (and, for test "
                       "administrators, its conversion table)"})
    certificate_valid_months = ma.fields.Function(
        lambda test: (_admin_config(test) or {}).get("certificate_valid_months") if _kind(test) == "sectioned"
        else None,
        metadata={"description": "Sectioned certification exams; test administrators only"})
    time_limit_seconds = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()

    @ma.post_dump
    def without_other_kinds_fields(self, data, **_kwargs):
        """A test shows the fields of its own kind only (and candidates never see the rules')."""
        return {key: value for key, value in data.items() if key not in ADMIN_ONLY_WHEN_SET or value is not None}


ADMIN_ONLY_WHEN_SET = ("adaptive", "sections", "certificate_valid_months")


def _kind(test) -> str:
    return test["kind"] if isinstance(test, dict) else test.kind


def _admin_config(test) -> dict | None:
    """A test's rules: a Test (test administrators) has them, a candidate's dict view does not."""
    return None if isinstance(test, dict) else test.config


def _sections(test) -> list | None:
    """Candidates (who get a dict view) see the sections without the tables that score them."""
    if _kind(test) != "sectioned":
        return None
    if isinstance(test, dict):
        return test["sections"]
    return test.config["sections"]


class ShownStimulusSchema(ma.Schema):
    """The passage, recording or picture shown with an item; items of one set share it (the same id)."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "passage, audio or image"})
    title = ma.fields.String()
    body = ma.fields.String(metadata={"description": "sanitised XHTML; its media as /api/v1/media/<sha256>"})
    max_plays = ma.fields.Integer(allow_none=True, metadata={
        "description": "how often the candidate may play its recording; null: no limit"})


class AttemptStimulusSchema(ShownStimulusSchema):
    """The stimulus as shown in an attempt: with the plays of its recording the candidate has left."""

    plays_left = ma.fields.Integer(allow_none=True, metadata={
        "description": "how many more times the candidate may play its recording in this attempt "
                       "(POST /api/v1/attempts/{attempt_id}/plays); null: no limit"})


class DeliveredItemSchema(ma.Schema):
    """An item as the candidate sees it: content only, never keys or parameters."""

    position = ma.fields.Integer()
    type = ma.fields.String()
    skill = ma.fields.String()
    content = ma.fields.Dict()
    answer = ma.fields.Dict(allow_none=True)
    stimulus = ma.fields.Nested(AttemptStimulusSchema, allow_none=True, metadata={
        "description": "the passage or recording to read or hear with the item; null when it has none"})


class PlayRequestSchema(StrictSchema):
    stimulus_id = Id(required=True, metadata={
        "description": "the stimulus (a recording) shown with an item of the attempt, now"})


class PlaySourceSchema(ma.Schema):
    sha256 = ma.fields.String()
    mime_type = ma.fields.String()
    url = ma.fields.String(metadata={"description": "where this play streams the file (range requests "
                                                    "welcome) until it expires"})


class PlaySchema(ma.Schema):
    """One play of a recording in an attempt; its URLs stream the recording until ``expires_at``."""

    stimulus_id = ma.fields.Integer(attribute="play.stimulus_id")
    number = ma.fields.Integer(attribute="play.number", metadata={
        "description": "which play of this recording in the attempt this is (1: the first)"})
    max_plays = ma.fields.Integer(allow_none=True, metadata={"description": "null: no limit"})
    plays_left = ma.fields.Integer(allow_none=True, metadata={
        "description": "plays left after this one; null: no limit"})
    started_at = ma.fields.DateTime(attribute="play.started_at")
    expires_at = ma.fields.DateTime(attribute="play.expires_at", metadata={
        "description": "the play's URLs stream until then (at most 10 minutes, never past the attempt's "
                       "or the section's end)"})
    url = ma.fields.Function(lambda issued: issued.sources[0].url, metadata={
        "description": "the recording's first file, for an <audio src>; sent with the signed-in candidate's "
                       "credentials (the browser session's cookie does)"})
    sources = ma.fields.List(ma.fields.Nested(PlaySourceSchema), metadata={
        "description": "every file of the recording (e.g. Ogg and MP3 of one talk), for <source> elements"})


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
    current_section = ma.fields.Integer(allow_none=True, metadata={
        "description": "Sectioned exams: the index of the section running (its items are the ones listed)"})
    sections = ma.fields.List(ma.fields.Nested(lambda: SectionStateSchema()), allow_none=True)
    items = ma.fields.List(ma.fields.Nested(DeliveredItemSchema))


class SectionStateSchema(ma.Schema):
    """Where a section of an attempt stands, by the server's clock."""

    index = ma.fields.Integer()
    skill = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.String(metadata={"description": "upcoming, current, finished, time_up or not_reached"})
    time_limit_seconds = ma.fields.Integer()
    item_positions = ma.fields.List(ma.fields.Integer())
    started_at = ma.fields.DateTime(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True)
    deadline = ma.fields.DateTime(allow_none=True)


class AnswerSchema(StrictSchema):
    answer = ma.fields.Dict(keys=ma.fields.String(), required=True)


class ResponseSchema(ma.Schema):
    position = ma.fields.Integer()
    answer = ma.fields.Dict()
    answered_at = ma.fields.DateTime()
    next_position = ma.fields.Integer(allow_none=True,
                                      metadata={"description": "Adaptive tests: the position of the next item"})
    finished = ma.fields.Boolean(metadata={"description": "Adaptive tests: the test ended with this answer"})
    next_item = ma.fields.Nested(DeliveredItemSchema, allow_none=True, metadata={
        "description": "Adaptive tests: the next item as the candidate sees it (content, never its key), to show "
                       "without another request; null when the test has ended or for other tests"})


class ResultSchema(ma.Schema):
    attempt_id = ma.fields.Integer(attribute="id")
    test_id = ma.fields.Integer()
    status = ma.fields.String()
    raw_score = ma.fields.Float()
    max_score = ma.fields.Float()
    level = ma.fields.Integer(allow_none=True, metadata={
        "description": "Level 1-6; null below the lowest cut, while raters mark, or (adaptive) with too few answers"})
    submitted_at = ma.fields.DateTime()
    closed_reason = ma.fields.String(allow_none=True, metadata={"description": "submitted, finished or time_up"})
    theta = ma.fields.Float(allow_none=True, metadata={"description": "Adaptive tests: the ability estimate"})
    se = ma.fields.Float(allow_none=True)
    placement = ma.fields.Dict(allow_none=True, metadata={
        "description": "Adaptive tests: probability of each level, per-skill profile, items given and answered, "
                       "why it stopped (stop_reason) and issues (e.g. too few answers to place)"})
    provisional = ma.fields.Function(lambda attempt: attempt.status == "awaiting_rating", metadata={
        "description": "True while writing or speaking wait for raters: no overall score or level yet"})
    overall_score = ma.fields.Float(allow_none=True, metadata={"description": "Sectioned exams: 0-10, to 0.5"})
    section_scores = ma.fields.Function(lambda attempt: _section_scores(attempt), allow_none=True, metadata={
        "description": "Sectioned exams: each skill's raw points and 0-10 score (null: waiting for raters)"})


def _section_scores(attempt) -> list | None:
    if not attempt.sections:
        return None
    return [{"skill": record["skill"], "raw": record["raw"], "max": record["max"],
             "score": float(record["score"]) if record["score"] is not None else None}
            for record in attempt.sections]


class SectionScoreSchema(StrictSchema):
    score = ma.fields.Float(required=True, allow_nan=False, validate=ma.validate.Range(min=0, max=10),
                            metadata={"description": "The raters' 0-10 section score, a multiple of 0.5"})


class FormRequestSchema(StrictSchema):
    """Parallel VSTEP.3-5 forms to assemble from the approved, calibrated bank."""

    n_forms = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=200))
    title = ma.fields.String(load_default="VSTEP.3-5 form", validate=ma.validate.Length(min=1, max=180))
    purpose = ma.fields.String(load_default="certification",
                               validate=ma.validate.OneOf([p.value for p in TestPurpose]))
    max_overlap = ma.fields.Float(load_default=0.25, allow_nan=False, validate=ma.validate.Range(min=0, max=1),
                                  metadata={"description": "Largest share of a form's items any other form may "
                                            "hold"})
    exposure_ceiling = ma.fields.Float(allow_none=True, load_default=None, allow_nan=False,
                                       validate=ma.validate.Range(min=0),
                                       metadata={"description": "Leave out items delivered more often than this"})
    level_counts = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(["listening", "reading"])),
        values=ma.fields.Dict(keys=ma.fields.String(validate=WholeMatch(r"^[1-6]$")),
                              values=ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=40))),
        metadata={"description": "Optional split of a section by intended level, e.g. "
                                 "{\"listening\": {\"3\": 12, \"4\": 12, \"5\": 11}}"})
    seed = ma.fields.Integer(strict=True, load_default=0, validate=ma.validate.Range(min=0, max=2**31 - 1))


class AssembledFormSchema(ma.Schema):
    test_id = ma.fields.Integer()
    title = ma.fields.String()
    max_relative_deviation = ma.fields.Float(metadata={"description": "Largest |I - T| / T over the thetas"})
    rmsd = ma.fields.Float(metadata={"description": "Root mean squared distance to the target information"})
    within_tolerance = ma.fields.Boolean()


class AssemblyReportSchema(ma.Schema):
    forms = ma.fields.List(ma.fields.Nested(AssembledFormSchema))
    target_thetas = ma.fields.List(ma.fields.Float())
    target_information = ma.fields.List(ma.fields.Float())
    max_overlap = ma.fields.Float(metadata={"description": "Largest shared share of a form between two forms"})
    most_uses = ma.fields.Integer(metadata={"description": "Forms the most used item appears in"})
    excluded_for_exposure = ma.fields.Integer()
    issues = ma.fields.List(ma.fields.String())
