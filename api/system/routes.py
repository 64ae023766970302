from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.access import PUBLIC, allow
from api.schemas import Blueprint
from api.db import engine

blp = Blueprint("system", __name__, url_prefix="/api/v1", description="Service status")


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "ok, or degraded when the database is unreachable"})
    database = ma.fields.String()


@blp.route("/health")
class Health(MethodView):
    @allow(PUBLIC)
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    def get(self):
        """Report whether the service and its database are reachable."""
        try:
            with engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return {"status": "degraded", "database": "unreachable"}, 503
        return {"status": "ok", "database": "reachable"}


class PingSchema(ma.Schema):
    status = ma.fields.String()


@blp.route("/ping")
class Ping(MethodView):
    @allow(PUBLIC)
    @blp.response(200, PingSchema)
    def get(self):
        """Liveness of the process alone: touches neither the database nor anything else (also the load
        bench's ceiling)."""
        return {"status": "ok"}
