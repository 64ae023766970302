"""Job positions: the language, level and date each requires (kept by admins and organisation-wide HR)."""

from __future__ import annotations

from flask.views import MethodView

from core.accounts import Role
from api.access import SIGNED_IN, allow, roles
from api.auth import current_actor
from api.db import db_session
from api.learning.position_schemas import PositionCreateSchema, PositionPatchSchema, PositionSchema
from api.schemas import Blueprint
from learning import positions

blp = Blueprint("positions", __name__, url_prefix="/api/v1",
                description="Job positions and the language level (and date) they require")


@blp.route("/positions")
class Positions(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, PositionSchema(many=True))
    def get(self):
        """The job positions, by title."""
        current_actor()
        return positions.list_positions(db_session())

    @allow(roles(Role.HR))
    @blp.arguments(PositionCreateSchema)
    @blp.response(201, PositionSchema)
    def post(self, data):
        """Add a job position: its language, required level (1-6) and the day it is required by."""
        return positions.create_position(db_session(), actor=current_actor(),
                                         draft=positions.PositionDraft(**data))


@blp.route("/positions/<int:position_id>")
class PositionDetail(MethodView):
    @allow(SIGNED_IN)
    @blp.response(200, PositionSchema)
    def get(self, position_id):
        """One job position."""
        current_actor()
        return positions.get_position(db_session(), position_id)

    @allow(roles(Role.HR))
    @blp.arguments(PositionPatchSchema)
    @blp.response(200, PositionSchema)
    def patch(self, data, position_id):
        """Change a job position (administrators, organisation-wide HR); paths follow on their next refresh."""
        return positions.update_position(db_session(), actor=current_actor(), position_id=position_id,
                                         changes=data)
