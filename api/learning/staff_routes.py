"""HR's staff records: bulk import, list, read, edit; always within the caller's unit scope."""

from __future__ import annotations

from flask.views import MethodView

from core.accounts import Role
from api.access import allow, roles
from api.auth import current_actor
from api.db import db_session
from api.learning.staff_schemas import (
    StaffImportArgsSchema,
    StaffImportReportSchema,
    StaffPageSchema,
    StaffQueryArgsSchema,
    StaffSchema,
    StaffUpdateSchema,
    StaffUploadSchema,
)
from api.schemas import Blueprint, page_of
from learning import staff, staff_import, staff_sheet

blp = Blueprint("staff", __name__, url_prefix="/api/v1", description="Staff records and bulk import (HR)")


@blp.route("/staff/import")
class StaffImport(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(StaffImportArgsSchema, location="query")
    @blp.arguments(StaffUploadSchema, location="files")
    @blp.response(200, StaffImportReportSchema)
    @blp.alt_response(422, description="Rows rejected (nothing written): the problem carries the report "
                                        "under `report`; or the file as a whole refused")
    def post(self, args, files):
        """Import a CSV or XLSX staff list, all or nothing; every row gets a line in the report.

        Up to 50,000 rows here (the command line takes up to 200,000). Columns: staff_number, full_name,
        birth_date (YYYY-MM-DD or DD/MM/YYYY), gender, unit (code), category; optional leadership_role
        (division_head ... or its Vietnamese title), is_leader, position (title), languages (en;fr),
        is_language_teacher, is_external_relations, username (links the person's login account; empty keeps
        the current link), joined_on and left_on (first and last day employed, dates as birth_date; empty
        clears it). A linked login account may be used up to left_on, inclusive, and no longer.
        """
        upload = files["file"]
        sheet = staff_sheet.read_staff_file(upload.read(), filename=upload.filename or "upload",
                                            max_rows=staff_sheet.MAX_HTTP_ROWS)
        report = staff_import.import_staff(db_session(), actor=current_actor(), sheet=sheet, dry_run=args["dry_run"])
        if report.rejected:
            raise staff_import.StaffImportRejected(report)
        return report.to_dict()


@blp.route("/staff")
class StaffList(MethodView):
    @allow(roles(Role.HR))
    @blp.arguments(StaffQueryArgsSchema, location="query")
    @blp.response(200, StaffPageSchema)
    def get(self, args):
        """Staff in the caller's HR scope, filtered, by id, one page at a time."""
        page, per_page = args.pop("page"), args.pop("per_page")
        filters = staff.StaffFilter(unit_id=args.get("unit"), category=args.get("category"),
                                    leader=args.get("leader"), position_id=args.get("position"),
                                    language=args.get("language"), age_under=args.get("age_under"),
                                    employment=args["employment"])
        members, total = staff.list_staff(db_session(), actor=current_actor(), filters=filters, page=page,
                                          per_page=per_page)
        return page_of(members, total=total, page=page, per_page=per_page)


@blp.route("/staff/<int:staff_id>")
class StaffById(MethodView):
    @allow(roles(Role.HR))
    @blp.response(200, StaffSchema)
    def get(self, staff_id):
        """One staff member (404 outside the caller's HR scope)."""
        return staff.get_staff(db_session(), actor=current_actor(), staff_id=staff_id)

    @allow(roles(Role.HR))
    @blp.arguments(StaffUpdateSchema)
    @blp.response(200, StaffSchema)
    def patch(self, data, staff_id):
        """Edit a staff member; moving them to another unit needs HR scope over both.

        Their linked login account moves with them (an account without a unit keeps none): the new unit's HR sees
        their levels and certificates, the old unit's no longer does.

        `username` links the person's login account (an account of the caller's scope, nobody else's): their
        certified levels, path and certificates are found through it; null unlinks it. `left_on` records the
        last day employed (null reinstates the person), `joined_on` the first. The linked account may be used up
        to `left_on`, inclusive: from the next day its login, sessions and API tokens stop working, and they work
        again once `left_on` is null or later. An account unlinked, or replaced by another, keeps the end it had,
        so a leaver's old account stays closed; linking it to a record gives it that record's end.
        """
        return staff.update_staff(db_session(), actor=current_actor(), staff_id=staff_id, changes=data)
