from __future__ import annotations

from flask.views import MethodView

from api.auth import current_actor
from api.db import db_session
from api.question_bank.schemas import (
    ItemCreateSchema,
    ItemPageSchema,
    ItemQueryArgsSchema,
    ItemSchema,
    RejectSchema,
    ReviewSchema,
)
from api.schemas import Blueprint, CommentSchema, page_of
from question_bank import services
from question_bank.services import ItemDraft, ItemFilter

blp = Blueprint("items", __name__, url_prefix="/api/v1/items", description="The item bank")


@blp.route("")
class Items(MethodView):
    @blp.arguments(ItemQueryArgsSchema, location="query")
    @blp.response(200, ItemPageSchema)
    def get(self, args):
        """Search the item bank (examiners and test administrators)."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = services.list_items(db_session(), actor=current_actor(), filters=ItemFilter(**args),
                                           page=page, per_page=per_page)
        return page_of(items, total=total, page=page, per_page=per_page)

    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemSchema)
    def post(self, data):
        """Create a draft item (authors)."""
        return services.create_item(db_session(), author=current_actor(), draft=ItemDraft(**data))


@blp.route("/<int:item_id>")
class ItemById(MethodView):
    @blp.response(200, ItemSchema)
    def get(self, item_id):
        """One item with its current version."""
        return services.get_item_for(db_session(), actor=current_actor(), item_id=item_id)


@blp.route("/<int:item_id>/submit")
class SubmitItem(MethodView):
    @blp.arguments(CommentSchema)
    @blp.response(200, ItemSchema)
    def post(self, data, item_id):
        """Send a draft to review (its author)."""
        return services.submit_item(db_session(), actor=current_actor(), item_id=item_id, **data)


@blp.route("/<int:item_id>/approve")
class ApproveItem(MethodView):
    @blp.arguments(CommentSchema)
    @blp.response(200, ItemSchema)
    def post(self, data, item_id):
        """Approve an item in review (a reviewer who is not its author)."""
        return services.approve_item(db_session(), actor=current_actor(), item_id=item_id, **data)


@blp.route("/<int:item_id>/reject")
class RejectItem(MethodView):
    @blp.arguments(RejectSchema)
    @blp.response(200, ItemSchema)
    def post(self, data, item_id):
        """Return an item in review to its author with a comment."""
        return services.reject_item(db_session(), actor=current_actor(), item_id=item_id, **data)


@blp.route("/<int:item_id>/reviews")
class ItemReviews(MethodView):
    @blp.response(200, ReviewSchema(many=True))
    def get(self, item_id):
        """The review trail of an item."""
        return services.list_reviews(db_session(), actor=current_actor(), item_id=item_id)
