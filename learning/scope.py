"""Who is in each target's scope, and in which cohort: rules read from targets.yaml and checked, never code.

``ComplianceRules.load()`` turns the data file into typed, validated rules; ``learning.compliance`` turns
those rules into SQL. Changing who counts means editing targets.yaml, not this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from assessment.models import LevelBasis
from learning.models import StaffCategory, UnitGroup
from learning.reference_data import read_targets

ANY_LANGUAGE = "any"
STAFF_FLAGS = ("is_language_teacher", "is_leader", "is_external_relations")  # StaffMember booleans a rule may name


class InvalidRules(ValueError):
    """targets.yaml's scope or cohort rules are inconsistent."""


@dataclass(frozen=True, slots=True)
class Cohort:
    name: str
    category: str
    is_leader: bool | None = None
    leadership_roles: tuple[str, ...] | None = None  # the roles from leadership_role_from up
    age_under: int | None = None
    target_of: str | None = None  # reported against another cohort's target

    @property
    def target_cohort(self) -> str:
        return self.target_of or self.name


@dataclass(frozen=True, slots=True)
class ComplianceRules:
    framework: str
    required_level: int
    targets: dict[date, dict[str, Decimal]]  # deadline -> cohort -> share at or above
    included_unit_groups: tuple[str, ...]
    excluded_unit_groups: tuple[str, ...]
    excluded_unit_codes: tuple[str, ...]
    excluded_staff_flags: tuple[str, ...]
    cohorts: tuple[Cohort, ...]
    bases: tuple[str, ...]
    languages: tuple[str, ...] | None  # None: any foreign language
    recent_months: int

    @classmethod
    def load(cls, data: dict[str, Any] | None = None) -> ComplianceRules:
        """The rules of targets.yaml (or of ``data``). Raises InvalidRules."""
        data = read_targets() if data is None else data
        try:
            return cls._parse(data)
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, InvalidRules):
                raise
            raise InvalidRules(f"targets.yaml: {error!r}") from error

    @classmethod
    def _parse(cls, data: dict[str, Any]) -> ComplianceRules:
        targets = {}
        for deadline in data["deadlines"]:
            when = deadline["date"] if isinstance(deadline["date"], date) else date.fromisoformat(deadline["date"])
            targets[when] = {name: Decimal(str(rule["share_at_or_above"]))
                             for name, rule in deadline["cohorts"].items()}
            for name, share in targets[when].items():
                if not Decimal(0) <= share <= Decimal(1):
                    raise InvalidRules(f"{when} {name}: share {share} is not between 0 and 1")
        groups = set(UnitGroup)
        scope, rules = data["scope"], data["scope_rules"]
        included = tuple(scope["included_unit_groups"])
        excluded_groups = tuple(rules.get("excluded_unit_groups", ()))
        for group in (*included, *excluded_groups):
            if group not in groups:
                raise InvalidRules(f"unknown unit group {group!r}")
        if set(included) & set(excluded_groups):
            raise InvalidRules(f"unit groups both in and out of scope: {sorted(set(included) & set(excluded_groups))}")
        flags = tuple(rules.get("excluded_staff_flags", ()))
        if set(flags) - set(STAFF_FLAGS):
            raise InvalidRules(f"unknown staff flags {sorted(set(flags) - set(STAFF_FLAGS))}")
        ladder = list(data["leadership_roles"])
        cohorts = []
        for name, spec in data["cohorts"].items():
            if spec["category"] not in set(StaffCategory):
                raise InvalidRules(f"cohort {name}: unknown category {spec['category']!r}")
            roles = None
            if "leadership_role_from" in spec:
                if spec["leadership_role_from"] not in ladder:
                    raise InvalidRules(f"cohort {name}: {spec['leadership_role_from']!r} is not in leadership_roles")
                roles = tuple(ladder[ladder.index(spec["leadership_role_from"]):])
            cohorts.append(Cohort(name=name, category=spec["category"], is_leader=spec.get("is_leader"),
                                  leadership_roles=roles, age_under=spec.get("age_under"),
                                  target_of=spec.get("target_of")))
        known = {c.name for c in cohorts}
        for when, shares in targets.items():
            if set(shares) - known:
                raise InvalidRules(f"{when}: targets for undefined cohorts {sorted(set(shares) - known)}")
            for cohort in cohorts:
                if cohort.target_cohort not in shares:
                    raise InvalidRules(f"{when}: no target for cohort {cohort.name} ({cohort.target_cohort})")
        bases = tuple(data["certificates"]["bases"])
        if set(bases) - set(LevelBasis):
            raise InvalidRules(f"unknown level bases {sorted(set(bases) - set(LevelBasis))}")
        languages = data["certificates"].get("languages", ANY_LANGUAGE)
        return cls(framework=data["framework"], required_level=int(data["required_level"]), targets=targets,
                   included_unit_groups=included, excluded_unit_groups=excluded_groups,
                   excluded_unit_codes=tuple(str(code) for code in rules.get("excluded_unit_codes", ())),
                   excluded_staff_flags=flags, cohorts=tuple(cohorts), bases=bases,
                   languages=None if languages == ANY_LANGUAGE else tuple(languages),
                   recent_months=int(data.get("projection", {}).get("recent_months", 12)))

    def targets_at(self, deadline: date) -> dict[str, Decimal]:
        """Each cohort's target share at ``deadline``. Raises KeyError for a deadline targets.yaml lacks."""
        shares = self.targets[deadline]
        return {cohort.name: shares[cohort.target_cohort] for cohort in self.cohorts}
