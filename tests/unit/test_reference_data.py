from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from learning.reference_data import read_targets, read_units

SHARED_DOMAIN = Path(__file__).resolve().parents[3] / "shared" / "domain"


def test_the_88_units_in_their_four_groups():
    units = read_units()
    assert len(units) == 88
    assert len({u.code for u in units}) == 88
    assert Counter(u.group for u in units) == {"provincial_federation": 63, "central_sector_union": 16,
                                               "vgcl_direct_unit": 5, "vgcl_department": 4}


def test_packaged_units_match_the_shared_source_when_it_is_beside_the_repo():
    source = SHARED_DOMAIN / "units.csv"
    if not source.exists():
        return  # an installed package on its own has no shared/ folder next to it
    with source.open(encoding="utf-8") as handle:
        rows = [(r["no"], r["name"], r["group"]) for r in csv.DictReader(handle)]
    assert rows == [(u.code, u.name, u.group) for u in read_units()]


def test_targets_for_2025_and_2030():
    targets = read_targets()
    assert targets["required_level"] == 4
    shares = {(d["date"], cohort): rule["share_at_or_above"]
              for d in targets["deadlines"] for cohort, rule in d["cohorts"].items()}
    assert shares == {
        (date(2025, 12, 31), "civil_servant"): 0.50, (date(2025, 12, 31), "public_employee"): 0.60,
        (date(2025, 12, 31), "public_employee_leader"): 0.50, (date(2030, 12, 31), "civil_servant"): 0.60,
        (date(2030, 12, 31), "public_employee"): 0.70, (date(2030, 12, 31), "public_employee_leader"): 0.60,
    }
