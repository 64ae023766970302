from __future__ import annotations

from flask.views import MethodView

from api.auth import current_actor
from api.schemas import Blueprint
from api.db import db_session
from api.learning.schemas import LevelQueryArgsSchema, LevelRecordSchema, UnitSchema
from learning import queries

blp = Blueprint("organisation", __name__, url_prefix="/api/v1", description="Units and HR views")


@blp.route("/units")
class Units(MethodView):
    @blp.response(200, UnitSchema(many=True))
    def get(self):
        """The organisation's units."""
        current_actor()
        return queries.list_units(db_session())


@blp.route("/hr/levels")
class UnitLevels(MethodView):
    @blp.arguments(LevelQueryArgsSchema, location="query")
    @blp.response(200, LevelRecordSchema(many=True))
    def get(self, args):
        """Levels held by the people of a unit (HR of that unit or of the whole organisation)."""
        return queries.list_unit_levels(db_session(), actor=current_actor(), **args)
