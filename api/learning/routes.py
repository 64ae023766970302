from __future__ import annotations

from flask.views import MethodView

from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.auth import current_actor
from api.schemas import Blueprint
from api.db import db_session
from api.learning.schemas import LevelQueryArgsSchema, LevelRecordSchema, UnitSchema
from api.learning.staff_schemas import UnitCreateSchema, UnitQueryArgsSchema, UnitTreeSchema
from learning import organisation, queries

blp = Blueprint("organisation", __name__, url_prefix="/api/v1", description="Units and HR views")


@blp.route("/units")
class Units(MethodView):
    @allow(SIGNED_IN)
    @blp.arguments(UnitQueryArgsSchema, location="query")
    @blp.response(200, UnitTreeSchema(many=True))
    def get(self, args):
        """The organisation's units, flat with their parent_id or as a tree of sub-units."""
        current_actor()
        units = queries.list_units(db_session())
        return organisation.unit_tree(units) if args["view"] == "tree" else units

    @allow(roles(Role.ADMIN))
    @blp.arguments(UnitCreateSchema)
    @blp.response(201, UnitSchema)
    def post(self, data):
        """Add a unit, usually a sub-unit under parent_id (administrators)."""
        return organisation.add_unit(db_session(), actor=current_actor(), **data)


@blp.route("/hr/levels")
class UnitLevels(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(LevelQueryArgsSchema, location="query")
    @blp.response(200, LevelRecordSchema(many=True))
    def get(self, args):
        """Levels held by the people of a unit and of the units below it, each with the person's own `unit_id`
        (HR of that unit or above it, or of the whole organisation)."""
        return queries.list_unit_levels(db_session(), actor=current_actor(), **args)
