"""The compliance report as CSV, XLSX and an SVG chart (share against target per unit group), and as a table."""

from __future__ import annotations

import csv
import dataclasses
import io
from xml.sax.saxutils import escape

import xlsxwriter

from learning.compliance import ComplianceReport, ComplianceRow, UnrecognisedRole

COLUMNS = ("unit", "unit_name", "group", "cohort", "in_scope", "at_or_above", "share", "target", "gap_people",
           "recent_12m", "projection", "on_track")
# The XLSX sheet of people whose leadership role is off the ladder: the fields the JSON report gives for each.
ROLE_COLUMNS = tuple(column.name for column in dataclasses.fields(UnrecognisedRole))
ROLES_SHEET = "Unrecognised leadership roles"


def _values(row: ComplianceRow) -> tuple:
    return (row.unit, row.unit_name, row.group, row.cohort, row.in_scope, row.at_or_above, row.share, row.target,
            row.gap_people, row.recent, row.projection, "yes" if row.on_track else "no")


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection"): a unit named
# "=HYPERLINK(...)" would run on HR's computer. Such text gets a leading apostrophe, which shows it as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(report: ComplianceReport) -> str:
    """One row per unit and cohort, then the ALL rollups; share and target are fractions 0..1."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report.rows:
        values = list(_values(row))
        values[6], values[7] = f"{row.share:.4f}", f"{row.target:.4f}"
        writer.writerow([_as_text(value) for value in values])
    return buffer.getvalue()


def to_xlsx(report: ComplianceReport) -> bytes:
    """A workbook: the report sheet (as the CSV, shares as percentages), a per-group sheet and, when there are
    any, the people whose leadership role names no rung of the ladder (the CSV, a scripts' contract, has no room
    for them)."""
    buffer = io.BytesIO()
    # Text stays text: by default xlsxwriter stores a string starting with "=" as a formula and URLs as links.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold, percent = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    for title, rows in (("Compliance", report.rows), ("By unit group", report.groups)):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, COLUMNS, bold)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(index, 0, _values(row))
            sheet.write_number(index, 6, row.share, percent)
            sheet.write_number(index, 7, row.target, percent)
        sheet.freeze_panes(1, 0)
        sheet.set_column(1, 1, 32)
    roles = report.unrecognised_leadership_roles
    if roles:
        sheet = book.add_worksheet(ROLES_SHEET)
        sheet.write_row(0, 0, ROLE_COLUMNS, bold)
        for index, person in enumerate(roles, start=1):
            sheet.write_row(index, 0, dataclasses.astuple(person))
        sheet.freeze_panes(1, 0)
        sheet.set_column(2, 2, 32)
    lines = [f"deadline {report.deadline}", f"as of {report.as_of}", f"required level {report.required_level} or above",
             f"projection: rate over the last {report.recent_months} months"]
    if roles:
        lines.append(f"{len(roles)} counted with a leadership role off the ladder, in no leaders' cohort: "
                     f"sheet {ROLES_SHEET!r}")
    notes = book.add_worksheet("About")
    for index, line in enumerate(lines):
        notes.write(index, 0, line)
    book.close()
    return buffer.getvalue()


def to_table(report: ComplianceReport) -> str:
    """A fixed-width text table for the terminal."""
    header = ("unit", "cohort", "in_scope", "at/above", "share", "target", "gap", "projection")
    lines = [f"Compliance with the {report.deadline} targets (level {report.required_level}+), as of {report.as_of}",
             "{:<8} {:<24} {:>8} {:>8} {:>7} {:>7} {:>6}  {}".format(*header)]
    for row in report.rows:
        lines.append(f"{row.unit:<8} {row.cohort:<24} {row.in_scope:>8} {row.at_or_above:>8} {row.share:>7.1%} "
                     f"{row.target:>7.0%} {row.gap_people:>6}  {row.projection}")
    return "\n".join(lines) + "\n"


def chart_svg(report: ComplianceReport) -> str:
    """Grouped bars: per unit group and cohort, the share at or above the level, with the target as a tick."""
    cohorts = sorted({row.cohort for row in report.groups}, key=[r.cohort for r in report.groups].index)
    groups = sorted({row.group for row in report.groups})
    palette = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    bar, gap, left, top, height = 22, 28, 60, 50, 240
    width = left + max(1, len(groups)) * (len(cohorts) * bar + gap) + 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + 90}" '
             f'viewBox="0 0 {width} {top + height + 90}" font-family="sans-serif" font-size="11">',
             f'<title>Compliance by unit group: {report.deadline} targets, as of {report.as_of}</title>',
             f'<text x="{left}" y="20" font-size="14">Share at level {report.required_level}+ against target '
             f'({report.deadline}), as of {report.as_of}</text>']
    for tick in range(0, 101, 25):
        y = top + height - height * tick / 100
        parts.append(f'<line x1="{left - 4}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    by_key = {(row.group, row.cohort): row for row in report.groups}
    for g_index, group in enumerate(groups):
        x0 = left + g_index * (len(cohorts) * bar + gap) + gap / 2
        for c_index, cohort in enumerate(cohorts):
            row = by_key.get((group, cohort))
            if row is None:
                continue
            x = x0 + c_index * bar
            bar_height, target_y = height * row.share, top + height - height * row.target
            parts.append(f'<rect x="{x:.1f}" y="{top + height - bar_height:.1f}" width="{bar - 4}" '
                         f'height="{bar_height:.1f}" fill="{palette[c_index % len(palette)]}">'
                         f'<title>{escape(group)} {escape(cohort)}: {row.share:.1%} of {row.in_scope} '
                         f'(target {row.target:.0%}, gap {row.gap_people})</title></rect>'
                         f'<line x1="{x - 1:.1f}" y1="{target_y:.1f}" x2="{x + bar - 3:.1f}" y2="{target_y:.1f}" '
                         f'stroke="#d62728" stroke-width="2"/>')
        parts.append(f'<text x="{x0 + len(cohorts) * bar / 2:.1f}" y="{top + height + 16}" '
                     f'text-anchor="middle">{escape(group)}</text>')
    for c_index, cohort in enumerate(cohorts):
        y = top + height + 36 + 14 * c_index
        parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{palette[c_index % len(palette)]}"/>'
                     f'<text x="{left + 14}" y="{y}">{escape(cohort)}</text>')
    parts.append(f'<line x1="{left + 220}" y1="{top + height + 32}" x2="{left + 240}" y2="{top + height + 32}" '
                 f'stroke="#d62728" stroke-width="2"/><text x="{left + 244}" y="{top + height + 36}">target</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
