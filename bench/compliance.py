#!/usr/bin/env python3
"""The HR compliance report at scale on PostgreSQL: 1,000,000 staff and 2,000,000 assessed levels.

Builds the schema with the migrations in a schema of its own, loads the 88 units of units.csv, then users,
staff and levels with set-based bulk inserts (INSERT ... SELECT over generate_series, seeded, all in the
server), ANALYZEs, and times ``build_compliance_report`` (one GROUP BY in SQL; Python only shapes the
per-unit rows) for both deadlines of targets.yaml.

    python bench/compliance.py [--database-url URL] [--staff 1000000] [--levels 2000000] [--runs 5] [--keep]

Goal (issue 7): the report in under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_support import DEFAULT_URL, bench_schema  # noqa: E402
from core.db import make_engine  # noqa: E402
from learning.compliance import build_compliance_report, compliance_statement  # noqa: E402
from learning.reference_data import load_units  # noqa: E402
from learning.scope import ComplianceRules  # noqa: E402

GOAL_SECONDS = 2.0

# Staff: 30% civil servants; 12% leaders; a few language teachers; ages 22..60; some managers' roles.
STAFF_SQL = """
INSERT INTO users (id, username, full_name, password_hash, roles, unit_id, is_active, created_at)
SELECT i, 'bench' || i, 'Bench person ' || i, 'x', '["candidate"]'::jsonb, u.id, true, now()
FROM generate_series(1, :n) AS i JOIN units u ON u.code = (1 + i % 88)::text;
INSERT INTO staff_members (id, full_name, birth_date, unit_id, category, is_leader, user_id, created_at,
                           leadership_role, languages, is_language_teacher)
SELECT i, 'Bench person ' || i, date '1966-01-01' + (random() * 365 * 38)::int, u.id,
       CASE WHEN random() < 0.3 THEN 'civil_servant' ELSE 'public_employee' END,
       r < 0.12, i, now(),
       CASE WHEN r < 0.04 THEN 'division_head' WHEN r < 0.06 THEN 'department_head'
            WHEN r < 0.08 THEN 'deputy_division_head' END,
       '["en"]'::jsonb, random() < 0.02
FROM (SELECT i, random() AS r FROM generate_series(1, :n) AS i) AS s JOIN units u ON u.code = (1 + i % 88)::text;
"""

# Levels: several per person at random; 45% our certification, 35% external, 20% placement; levels 1..6 with
# most at 3 and 4; awarded over the last 6 years; 30% with no end, the rest valid two years (so many expired).
LEVELS_SQL = """
INSERT INTO assessed_levels (id, user_id, level, basis, awarded_at, language, valid_until)
SELECT i, 1 + (random() * (:n - 1))::int,
       (ARRAY[1, 2, 3, 3, 3, 4, 4, 4, 5, 6])[1 + (random() * 9)::int],
       CASE WHEN b < 0.45 THEN 'certification' WHEN b < 0.8 THEN 'external' ELSE 'placement' END,
       a, CASE WHEN random() < 0.9 THEN 'en' ELSE 'fr' END,
       CASE WHEN random() < 0.3 THEN NULL ELSE (a + interval '2 years')::date END
FROM (SELECT i, random() AS b, now() - random() * interval '6 years' AS a FROM generate_series(1, :m) AS i) AS s;
"""


def load(engine, n_staff: int, n_levels: int) -> None:
    with Session(engine) as session:
        load_units(session)
        session.commit()
    with engine.begin() as connection:
        connection.execute(text("SELECT setseed(0.2026)"))
        for statement in STAFF_SQL.strip().split(";\n"):
            connection.execute(text(statement), {"n": n_staff})
        connection.execute(text(LEVELS_SQL), {"n": n_staff, "m": n_levels})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), :n)"), {"n": n_staff})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('staff_members', 'id'), :n)"), {"n": n_staff})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('assessed_levels', 'id'), :m)"),
                           {"m": n_levels})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def time_report(engine, deadline: date, runs: int) -> tuple[list[float], object]:
    timings, report = [], None
    with Session(engine) as session:
        for _ in range(runs + 1):  # the first run warms the cache
            started = time.perf_counter()
            report = build_compliance_report(session, deadline=deadline)
            timings.append(time.perf_counter() - started)
            session.rollback()
    return timings[1:], report


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--staff", type=int, default=1_000_000)
    parser.add_argument("--levels", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="Print the plan of the report's query.")
    parser.add_argument("--keep", action="store_true", help="Keep the bench schema (printed) for profiling.")
    args = parser.parse_args(argv)

    from api.migrations import upgrade_database

    with bench_schema(args.database_url, "lp_bench", keep=args.keep) as url:
        upgrade_database(url)
        engine = make_engine(url)
        started = time.perf_counter()
        load(engine, args.staff, args.levels)
        print(f"loaded {args.staff:,} staff (with users) and {args.levels:,} assessed levels "
              f"in {time.perf_counter() - started:.1f} s (bulk INSERT ... SELECT, then VACUUM ANALYZE)")
        if args.explain:
            rules = ComplianceRules.load()
            statement = compliance_statement(rules, as_of=date.today())
            sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
            with engine.connect() as connection:
                for (line,) in connection.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql)):
                    print("  " + line)
        results = {}
        for deadline in sorted(ComplianceRules.load().targets):
            timings, report = time_report(engine, deadline, args.runs)
            median = statistics.median(timings)
            people = sum(row.in_scope for row in report.rollups if row.cohort in ("civil_servant", "public_employee"))
            print(f"compliance report {deadline}: median {median:.3f} s over {len(timings)} runs "
                  f"(min {min(timings):.3f}, max {max(timings):.3f}); {len(report.unit_rows)} unit rows, "
                  f"{len(report.rollups)} ALL rows, {len(report.groups)} group rows; {people:,} people in scope")
            print(f"  goal < {GOAL_SECONDS:.0f} s: {'met' if median < GOAL_SECONDS else 'NOT met'} "
                  f"(ratio median/goal = {median / GOAL_SECONDS:.2f})")
            for row in report.rollups:
                print(f"  ALL {row.cohort:<24} {row.at_or_above:>7,}/{row.in_scope:<7,} = {row.share:6.1%} "
                      f"target {row.target:.0%} gap {row.gap_people:,} -> {row.projection}")
            results[str(deadline)] = round(median, 3)
        engine.dispose()
        print(json.dumps({"staff": args.staff, "levels": args.levels, "report_median_s": results,
                          "goal_s": GOAL_SECONDS}))


if __name__ == "__main__":
    main()
