from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request
from flask.views import MethodView

from api.access import SIGNED_IN, allow, roles
from api.auth import current_actor
from api.db import db_session
from api.files import RANGE_NOT_SATISFIABLE, send_stored_file
from api.question_bank.schemas import (
    AuditEventSchema,
    ChangeSchema,
    DiffArgsSchema,
    EnemiesSchema,
    ImportArgsSchema,
    ImportReportSchema,
    ItemCreateSchema,
    ItemPageSchema,
    ItemQueryArgsSchema,
    ItemSchema,
    ItemUpdateSchema,
    ItemVersionSchema,
    MediaSchema,
    MediaUploadSchema,
    RejectSchema,
    RetiredItemSchema,
    ReviewSchema,
    StimulusCreateSchema,
    StimulusSchema,
)
from api.schemas import Blueprint, CommentSchema, page_of
from assessment.services import published_tests_holding
from core import audit
from core.accounts import Role
from core.errors import NotFound, PermissionDenied
from question_bank import enemies, importing, media, policies, queries, review, services
from question_bank.models import Item
from question_bank.services import ItemChanges, ItemDraft


@dataclass(frozen=True, slots=True)
class Retired:
    """A retired item and the published tests that still deliver it (RetiredItemSchema)."""

    item: Item
    still_delivered_by: list[int]


# Who may read the bank at all (question_bank.policies.can_read_bank decides per item).
EXAMINERS = roles(Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN)

blp = Blueprint("items", __name__, url_prefix="/api/v1", description="The item bank")

IF_MATCH = {"in": "header", "name": "If-Match", "required": True, "schema": {"type": "string"},
            "description": "The ETag of the item as last read"}
ETAG = {"ETag": {"description": "The item's ETag: send it back as If-Match to change it",
                 "schema": {"type": "string"}}}


def _with_etag(item):
    return item, {"ETag": item.etag}


@blp.route("/items")
class Items(MethodView):
    @allow(EXAMINERS)
    @blp.arguments(ItemQueryArgsSchema, location="query")
    @blp.response(200, ItemPageSchema)
    def get(self, args):
        """Search the item bank by skill, level, type, status, tags, language and text."""
        page, per_page, sort = args.pop("page"), args.pop("per_page"), args.pop("sort")
        filters = queries.ItemFilter(tags=tuple(args.pop("tag", ())), text=args.pop("q", None), **args)
        found = queries.list_items(db_session(), actor=current_actor(), filters=filters, page=page,
                                   per_page=per_page, sort=sort)
        return page_of(found.items, total=found.total, page=page, per_page=per_page,
                       total_capped=found.total_capped)

    @allow(roles(Role.AUTHOR))
    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemSchema)
    def post(self, data):
        """Create a draft item (authors)."""
        data["tags"] = tuple(data.get("tags", ()))
        return _with_etag(services.create_item(db_session(), author=current_actor(), draft=ItemDraft(**data)))


@blp.route("/items/import")
class ItemImport(MethodView):
    @allow(roles(Role.AUTHOR))
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.arguments(MediaUploadSchema, location="files")
    @blp.response(200, ImportReportSchema)
    def post(self, args, files):
        """Import a QTI package or file, Moodle XML or GIFT; hostile input is refused whole (422)."""
        upload = files["file"]
        report = importing.import_upload(db_session(), actor=current_actor(), data=upload.read(),
                                         filename=upload.filename or "upload", dry_run=args["dry_run"],
                                         store=media_store(), defaults=importing.ImportDefaults(
                                             skill=args.get("skill"), level=args.get("level")))
        if args["dry_run"]:
            db_session().rollback()
        return {"dry_run": args["dry_run"], "summary": importing.summarise(report),
                "entries": [entry.to_dict() for entry in report]}


@blp.route("/items/<int:item_id>")
class ItemById(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, ItemSchema, headers=ETAG)
    def get(self, item_id):
        """One item with its current version; the ETag guards later edits."""
        return _with_etag(services.get_item_for(db_session(), actor=current_actor(), item_id=item_id))

    @allow(roles(Role.AUTHOR))
    @blp.arguments(ItemUpdateSchema)
    @blp.response(200, ItemSchema, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @blp.problem(409, "The item is in review or retired: it cannot be edited (`status_now`)")
    @blp.problem(412, "`If-Match` is not the item's ETag: it changed since it was read (`current_etag`)")
    @blp.problem(428, "No `If-Match`: send the ETag of the item as last read")
    def patch(self, data, item_id):
        """Edit an item; changed content or classification (skill, level) becomes a new version. A stale If-Match
        gets 412."""
        if "tags" in data:
            data["tags"] = tuple(data["tags"])
        if "stimulus_id" in data and data["stimulus_id"] is None:  # null removes the passage; absent keeps it
            del data["stimulus_id"]
            data["remove_stimulus"] = True
        item = services.update_item(db_session(), actor=current_actor(), item_id=item_id,
                                    if_match=request.headers.get("If-Match"), changes=ItemChanges(**data))
        return _with_etag(item)


@blp.route("/items/<int:item_id>/versions")
class ItemVersions(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, ItemVersionSchema(many=True))
    def get(self, item_id):
        """Every version of an item, oldest first."""
        return services.list_versions(db_session(), actor=current_actor(), item_id=item_id)


@blp.route("/items/<int:item_id>/versions/<int:number>")
class ItemVersionByNumber(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, ItemVersionSchema)
    def get(self, item_id, number):
        """One version of an item."""
        return services.get_version(db_session(), actor=current_actor(), item_id=item_id, number=number)


@blp.route("/items/<int:item_id>/diff")
class ItemDiff(MethodView):
    @allow(EXAMINERS)
    @blp.arguments(DiffArgsSchema, location="query")
    @blp.response(200, ChangeSchema(many=True))
    def get(self, args, item_id):
        """What changed between two versions, field by field."""
        return services.diff_versions(db_session(), actor=current_actor(), item_id=item_id,
                                      from_number=args["from_version"], to_number=args["to_version"])


@blp.route("/items/<int:item_id>/submit")
class SubmitItem(MethodView):
    @allow(roles(Role.AUTHOR))
    @blp.arguments(CommentSchema)
    @blp.response(200, ItemSchema)
    @blp.problem(409, "The item is not a draft (`status_now`)")
    def post(self, data, item_id):
        """Send a draft to review (its author)."""
        return _with_etag(review.submit_item(db_session(), actor=current_actor(), item_id=item_id, **data))


@blp.route("/items/<int:item_id>/approve")
class ApproveItem(MethodView):
    @allow(roles(Role.REVIEWER))
    @blp.arguments(CommentSchema)
    @blp.response(200, ItemSchema)
    @blp.problem(403, "A reviewer deciding on an item they wrote, or one with a version of theirs under review")
    @blp.problem(409, "The item is not in review (`status_now`)")
    def post(self, data, item_id):
        """Approve an item in review (a reviewer who wrote neither the item nor a version under review)."""
        return _with_etag(review.approve_item(db_session(), actor=current_actor(), item_id=item_id, **data))


@blp.route("/items/<int:item_id>/reject")
class RejectItem(MethodView):
    @allow(roles(Role.REVIEWER))
    @blp.arguments(RejectSchema)
    @blp.response(200, ItemSchema)
    @blp.problem(403, "A reviewer deciding on an item they wrote, or one with a version of theirs under review")
    @blp.problem(409, "The item is not in review (`status_now`)")
    def post(self, data, item_id):
        """Return an item in review to its author with a comment (the same reviewers as approval)."""
        return _with_etag(review.reject_item(db_session(), actor=current_actor(), item_id=item_id, **data))


@blp.route("/items/<int:item_id>/retire")
class RetireItem(MethodView):
    @allow(EXAMINERS)
    @blp.arguments(CommentSchema)
    @blp.response(200, RetiredItemSchema)
    @blp.problem(409, "The item is retired already (`status_now`)")
    def post(self, data, item_id):
        """Retire an item: no new test may take it. Published tests keep the version they were published with
        until they are archived; the answer lists them."""
        item = review.retire_item(db_session(), actor=current_actor(), item_id=item_id, **data)
        still_delivered_by = published_tests_holding(db_session(), item.id)
        return Retired(item, still_delivered_by), {"ETag": item.etag}


@blp.route("/items/<int:item_id>/reviews")
class ItemReviews(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, ReviewSchema(many=True))
    def get(self, item_id):
        """The review trail of an item."""
        return review.list_reviews(db_session(), actor=current_actor(), item_id=item_id)


@blp.route("/items/<int:item_id>/enemies")
class ItemEnemies(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, EnemiesSchema, headers=ETAG)
    def get(self, item_id):
        """Items that must never appear in the same test as this one."""
        item = services.get_item_for(db_session(), actor=current_actor(), item_id=item_id)
        return {"enemy_ids": enemies.list_enemies(db_session(), item.id)}, {"ETag": item.etag}

    @allow(roles(Role.AUTHOR))
    @blp.arguments(EnemiesSchema)
    @blp.response(200, EnemiesSchema, headers=ETAG)
    @blp.doc(parameters=[IF_MATCH])
    @blp.problem(412, "`If-Match` is not the item's ETag: it changed since it was read (`current_etag`)")
    @blp.problem(428, "No `If-Match`: send the ETag of the item as last read")
    def put(self, data, item_id):
        """Replace the item's enemies, guarded by its ETag as edits are (428 without If-Match, 412 if stale)."""
        item = enemies.set_enemies(db_session(), actor=current_actor(), item_id=item_id,
                                    if_match=request.headers.get("If-Match"), enemy_ids=data["enemy_ids"])
        return {"enemy_ids": enemies.list_enemies(db_session(), item.id)}, {"ETag": item.etag}


@blp.route("/items/<int:item_id>/audit")
class ItemAudit(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, AuditEventSchema(many=True))
    def get(self, item_id):
        """Who changed this item, what and when, newest first."""
        item = services.get_item_for(db_session(), actor=current_actor(), item_id=item_id)
        return audit.list_events(db_session(), entity_type="item", entity_id=item.id)


@blp.route("/stimuli")
class Stimuli(MethodView):
    @allow(roles(Role.AUTHOR))
    @blp.arguments(StimulusCreateSchema)
    @blp.response(201, StimulusSchema)
    def post(self, data):
        """Add a passage, recording or picture that several items share."""
        return services.create_stimulus(db_session(), actor=current_actor(), **data)


@blp.route("/stimuli/<int:stimulus_id>")
class StimulusById(MethodView):
    @allow(EXAMINERS)
    @blp.response(200, StimulusSchema)
    def get(self, stimulus_id):
        """One stimulus (examiners)."""
        if not policies.can_read_bank(current_actor()):
            raise PermissionDenied("the item bank is for examiners and test administrators")
        return services.get_stimulus(db_session(), stimulus_id)


def media_store() -> media.MediaStore:
    return current_app.extensions["levelpath.media"]


@blp.route("/media")
class MediaUpload(MethodView):
    @allow(roles(Role.AUTHOR, Role.CANDIDATE))
    @blp.arguments(MediaUploadSchema, location="files")
    @blp.response(201, MediaSchema)
    def post(self, files):
        """Upload an image or recording; it is checked by content and stored once by its hash."""
        upload = files["file"]
        return media.add_media(db_session(), media_store(), actor=current_actor(), data=upload.read(),
                               name=upload.filename or "upload", declared_type=upload.mimetype)


@blp.route("/media/<string:sha256>")
class MediaDownload(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, description="The file, with range requests for streaming")
    @blp.problem(416, RANGE_NOT_SATISFIABLE)
    def get(self, sha256):
        """Stream a media file: item media to anyone signed in, a recorded answer to its maker, raters and
        test administrators. A recording with a play limit serves examiners, raters and test administrators
        only: candidates play it through their attempt (`POST /api/v1/attempts/{attempt_id}/plays`)."""
        stored = media.get_media_for(db_session(), actor=current_actor(), sha256=sha256)
        if not media_store().path_for(stored.sha256).is_file():  # e.g. a certificate document, kept apart
            raise NotFound("no such media file", field="sha256")
        response = send_stored_file(media_store().path_for(stored.sha256), mimetype=stored.mime_type,
                                    etag=stored.sha256, max_age=86400)
        # Who may fetch a file depends on who asks: no shared cache may hand one person's copy to another.
        response.cache_control.public = False
        response.cache_control.private = True
        return response


@blp.route("/audit")
class AuditLog(MethodView):
    @allow(roles(Role.ADMIN))
    @blp.response(200, AuditEventSchema(many=True))
    def get(self):
        """The latest audit events (administrators)."""
        if Role.ADMIN not in current_actor().roles:
            raise PermissionDenied("the audit log is for administrators")
        return audit.list_events(db_session())
