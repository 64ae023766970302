"""HR compliance against the language targets: the report (JSON, CSV, XLSX), its chart, people and levels."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from core.accounts import Role
from api.access import allow, roles
from api.auth import current_actor
from api.db import db_session
from api.learning.compliance_schemas import (
    ChartQueryArgsSchema,
    ComplianceQueryArgsSchema,
    ComplianceReportSchema,
    PeopleLevelsQueryArgsSchema,
    PersonLevelSchema,
)
from api.schemas import Blueprint
from api.files import file_answer
from learning import compliance, compliance_export

blp = Blueprint("compliance", __name__, url_prefix="/api/v1/hr", description="HR compliance with the targets")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/compliance")
class Compliance(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(ComplianceQueryArgsSchema, location="query")
    @blp.response(200, ComplianceReportSchema, description="JSON; format=csv or xlsx returns a file")
    @blp.doc(**file_answer("text/csv", XLSX, json_schema=ComplianceReportSchema))
    def get(self, args):
        """Compliance per unit and cohort with ALL rollups and projections (HR sees only its own units)."""
        output = args.pop("format")
        report = compliance.compliance_report(db_session(), actor=current_actor(), **args)
        name = f"compliance-{report.deadline}-as-of-{report.as_of}"
        if output == "csv":
            return Response(compliance_export.to_csv(report), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
        if output == "xlsx":
            return Response(compliance_export.to_xlsx(report), mimetype=XLSX,
                            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
        return report


@blp.route("/compliance/chart.svg")
class ComplianceChart(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(ChartQueryArgsSchema, location="query")
    @blp.response(200, description="An SVG chart")
    @blp.doc(**file_answer("image/svg+xml"))
    def get(self, args):
        """Share at or above the level against the target, per unit group and cohort, as SVG."""
        report = compliance.compliance_report(db_session(), actor=current_actor(), **args)
        return Response(compliance_export.chart_svg(report), mimetype="image/svg+xml")


@blp.route("/people-levels")
class PeopleLevels(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(PeopleLevelsQueryArgsSchema, location="query")
    @blp.response(200, PersonLevelSchema(many=True))
    def get(self, args):
        """Staff with their best valid certified level, filtered (HR of a unit sees only its units)."""
        paging = {key: args.pop(key) for key in ("as_of", "limit", "offset")}
        return compliance.list_people_levels(db_session(), actor=current_actor(),
                                             filters=compliance.PeopleFilter(**args), **paging)
