"""Read the rule data (YAML) into a RuleBook, rejecting anything inconsistent before it is used.

Every problem is reported with its file and path, all at once: overlapping or gapped version dates,
references to unknown regulations, frameworks, levels, certificates or rules, band tables that do not
tile their scale, overlapping conversion rows, misspelt keys, and decimals written as YAML floats.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from assessment.rules.conversion import ConversionTable
from assessment.rules.errors import RuleBookInvalid
from assessment.rules.frameworks import Framework
from assessment.rules.parsing import (
    Context,
    Problem,
    read_certificate_kind,
    read_date,
    read_decimal,
    read_fields,
    read_fraction,
    read_framework,
    read_list,
    read_mapping,
    read_optional_date,
    read_optional_text,
    read_provenance,
    read_range,
    read_regulation,
    read_scale,
    read_table,
    read_text,
)
from assessment.rules.rulebook import CONVERSION_PREFIX, NATIONAL_FRAMEWORK, RuleBook
from assessment.rules.types import Regulation, RuleVersion, ScoreScale
from assessment.rules.vstep import ROUNDING_MODES, Band, BandTable, MeanOfSkills, RoundingRule, WeightedComposite

SECTIONS = ("regulations", "frameworks", "certificate_kinds", "conversion_tables", "rules")
UNKNOWN_START = "unknown"  # first version whose start date is not confirmed
PENDING = "pending"  # a version whose in-force date is not known yet: inactive until configured


# --- rule payloads, one reader per kind --------------------------------------------------------------

@dataclass(frozen=True)
class _Refs:
    frameworks: Mapping[str, Framework]
    tables: Mapping[str, ConversionTable]


def _rounding(params: Mapping[str, Any], refs: _Refs) -> RoundingRule:
    data = read_fields(params, required=("step", "mode"))
    step = read_decimal(data["step"], "step")
    if step <= 0:
        raise Problem("step must be positive")
    if data["mode"] not in ROUNDING_MODES:
        raise Problem(f"mode must be one of {', '.join(sorted(ROUNDING_MODES))}")
    return RoundingRule(step=step, mode=data["mode"])


def _mean_of_skills(params: Mapping[str, Any], refs: _Refs) -> MeanOfSkills:
    data = read_fields(params, required=("skills", "skill_scale", "rounding_rule"))
    skills = tuple(read_text(skill, "skills") for skill in read_list(data["skills"]))
    return MeanOfSkills(skills=skills, skill_scale=read_scale(data["skill_scale"], "skill_scale"),
                        rounding_rule=read_text(data["rounding_rule"], "rounding_rule"))


def _weighted_composite(params: Mapping[str, Any], refs: _Refs) -> WeightedComposite:
    data = read_fields(params, required=("weights", "part_scale", "round_parts_first", "rounding_rule"))
    weights = tuple((name, read_fraction(weight, f"weights.{name}"))
                    for name, weight in read_mapping(data["weights"]).items())
    if sum(weight for _, weight in weights) != 1:
        raise Problem("weights must add up to exactly 1")
    if not isinstance(data["round_parts_first"], bool):
        raise Problem("round_parts_first must be true or false")
    return WeightedComposite(weights=weights, part_scale=read_scale(data["part_scale"], "part_scale"),
                             round_parts_first=data["round_parts_first"],
                             rounding_rule=read_text(data["rounding_rule"], "rounding_rule"))


def _bands(params: Mapping[str, Any], refs: _Refs) -> BandTable:
    data = read_fields(params, required=("framework", "scale", "bands"))
    framework_id = read_text(data["framework"], "framework")
    if framework_id not in refs.frameworks:
        raise Problem(f"framework {framework_id!r} is not in frameworks")
    framework = refs.frameworks[framework_id]
    scale = read_scale(data["scale"], "scale")
    bands = []
    for index, item in enumerate(read_list(data["bands"])):
        band = read_fields(item, required=("level",), optional=("min", "max", "min_exclusive", "max_exclusive"))
        level = band["level"]
        if level is not None and not any(level == known.number for known in framework.levels):
            raise Problem(f"bands[{index}]: framework {framework_id} has no level {level!r}")
        bands.append(Band(read_range({k: v for k, v in band.items() if k != "level"}, f"bands[{index}]"), level))
    _check_tiling(bands, scale)
    return BandTable(framework_id=framework_id, scale=scale, bands=tuple(bands))


def _check_tiling(bands: list[Band], scale: ScoreScale) -> None:
    """Bands must cover the scale from end to end, in order, without a gap or an overlap.

    Two neighbours touch when they share a bound that exactly one of them includes, or, on a
    scale with a step, when the next starts one step after the previous ends (4.0-5.5, 6.0-8.0).
    """
    first, last = bands[0].range, bands[-1].range
    if first.minimum != scale.minimum or not first.min_inclusive:
        raise Problem(f"the first band must start at the scale's minimum {scale.minimum}, included")
    if last.maximum != scale.maximum or not last.max_inclusive:
        raise Problem(f"the last band must end at the scale's maximum {scale.maximum}, included")
    for index, (previous, band) in enumerate(itertools.pairwise(bands), start=1):
        low, high = previous.range, band.range
        if low.maximum is None or high.minimum is None:
            raise Problem(f"bands[{index}]: inner bands need both bounds")
        shared = high.minimum == low.maximum and low.max_inclusive != high.min_inclusive
        stepped = (scale.step is not None and low.max_inclusive and high.min_inclusive
                   and high.minimum == low.maximum + scale.step)
        if not (shared or stepped):
            problem = "overlaps" if high.minimum < low.maximum or (
                high.minimum == low.maximum and low.max_inclusive and high.min_inclusive) else "leaves a gap after"
            raise Problem(f"bands[{index}] ({high.describe()}) {problem} bands[{index - 1}] ({low.describe()})")


def _framework_rule(params: Mapping[str, Any], refs: _Refs) -> str:
    data = read_fields(params, required=("framework",))
    framework_id = read_text(data["framework"], "framework")
    if framework_id not in refs.frameworks:
        raise Problem(f"framework {framework_id!r} is not in frameworks")
    return framework_id


def _conversion_rule(params: Mapping[str, Any], refs: _Refs) -> ConversionTable:
    data = read_fields(params, required=("table",))
    table_id = read_text(data["table"], "table")
    if table_id not in refs.tables:
        raise Problem(f"table {table_id!r} is not in conversion_tables")
    return refs.tables[table_id]


PAYLOAD_READERS: dict[str, Callable[[Mapping[str, Any], _Refs], Any]] = {
    "rounding": _rounding,
    "mean_of_skills": _mean_of_skills,
    "weighted_composite": _weighted_composite,
    "bands": _bands,
    "framework": _framework_rule,
    "conversion": _conversion_rule,
}
# Rules that other rules name, and the kind each must be.
_RULE_KIND_BY_PREFIX = {CONVERSION_PREFIX: "conversion", NATIONAL_FRAMEWORK: "framework"}


def _version(rule_id: str, kind: str, title: str, value: Any, regulations: Mapping[str, Regulation],
             refs: _Refs) -> RuleVersion:
    data = read_fields(value, required=("version", "effective_from", "source", "params"),
                   optional=("effective_until", "choice"))
    start = data["effective_from"]
    pending = start == PENDING
    effective_from = None if start in (PENDING, UNKNOWN_START) else read_date(start, "effective_from")
    effective_until = read_optional_date(data, "effective_until")
    if pending and effective_until is not None:
        raise Problem("a pending version cannot have an end date")
    if effective_from and effective_until and effective_until <= effective_from:
        raise Problem(f"effective_until {effective_until} is not after effective_from {effective_from}")
    return RuleVersion(rule_id=rule_id, version=read_text(str(data["version"]), "version"), kind=kind, title=title,
                       effective_from=effective_from, effective_until=effective_until, pending=pending,
                       provenance=read_provenance(data["source"], regulations),
                       payload=PAYLOAD_READERS[kind](read_mapping(data["params"]), refs),
                       choice=read_optional_text(data, "choice"))


def _timeline(versions: list[RuleVersion], starts: Mapping[str, date]) -> tuple[RuleVersion, ...]:
    """Give configured pending versions their start, close open ends, and reject gaps and overlaps.

    Versions are listed in date order. A version without an end runs until the next one starts;
    an end that differs from the next start is a gap or an overlap. Pending versions come last.
    """
    versions = [replace(v, effective_from=starts[v.ref], pending=False) if v.ref in starts else v for v in versions]
    active = [v for v in versions if not v.pending]
    if any(v.pending for v in versions[:len(active)]):
        raise Problem("pending versions must come after every dated version")
    for index, version in enumerate(active):
        if version.effective_from is None and index > 0:
            raise Problem(f"{version.version}: only the first version may have an unconfirmed start")
    closed: list[RuleVersion] = []
    for index, version in enumerate(active):
        following = active[index + 1] if index + 1 < len(active) else None
        if following is not None:
            start = following.effective_from
            assert start is not None
            if version.effective_from is not None and start <= version.effective_from:
                raise Problem(f"{following.version} starts on {start}, not after {version.version} "
                               f"({version.effective_from}): versions overlap or are out of order")
            if version.effective_until is None:
                version = replace(version, effective_until=start)
            elif version.effective_until < start:
                raise Problem(f"gap: {version.version} ends on {version.effective_until} but "
                               f"{following.version} starts on {start}")
            elif version.effective_until > start:
                raise Problem(f"overlap: {version.version} runs until {version.effective_until} but "
                               f"{following.version} starts on {start}")
        closed.append(version)
    return (*closed, *[v for v in versions if v.pending])


def _rules(section: Mapping[str, tuple[str, Any]], ctx: Context, regulations: Mapping[str, Regulation],
           refs: _Refs, effective_dates: Mapping[str, date]) -> dict[str, tuple[RuleVersion, ...]]:
    rules: dict[str, tuple[RuleVersion, ...]] = {}
    for rule_id, (origin, value) in section.items():
        path = f"{origin}: rules.{rule_id}"
        with ctx.at(path):
            data = read_fields(value, required=("kind", "title", "versions"), optional=("description",))
            kind = data["kind"]
            if kind not in PAYLOAD_READERS:
                raise Problem(f"kind {kind!r} is not one of {', '.join(PAYLOAD_READERS)}")
            for prefix, expected in _RULE_KIND_BY_PREFIX.items():
                if rule_id.startswith(prefix) and kind != expected:
                    raise Problem(f"rules named {prefix}* must be of kind {expected}")
            versions, problems_before = [], len(ctx.problems)
            for index, item in enumerate(read_list(data["versions"])):
                with ctx.at(f"{path}.versions[{index}]"):
                    versions.append(_version(rule_id, kind, read_text(data["title"], "title"), item, regulations, refs))
            if len(ctx.problems) > problems_before:
                continue
            names = [v.version for v in versions]
            if len(names) != len(set(names)):
                raise Problem("two versions share a name")
            rules[rule_id] = _timeline(versions, effective_dates)
    return rules


def _check_rule_references(rules: Mapping[str, tuple[RuleVersion, ...]], defined: Iterable[str],
                           ctx: Context) -> None:
    """A rule that names a rounding rule must name one that exists and rounds.

    A named rule that is defined but failed to load has its own problem reported already.
    """
    defined = set(defined)
    for rule_id, versions in rules.items():
        for version in versions:
            named = getattr(version.payload, "rounding_rule", None)
            if named is None:
                continue
            with ctx.at(f"rules.{rule_id}.{version.version}"):
                if named not in rules:
                    if named in defined:
                        continue
                    raise Problem(f"rounding_rule {named!r} is not a rule")
                if any(v.kind != "rounding" for v in rules[named]):
                    raise Problem(f"rounding_rule {named!r} is not a rounding rule")


# --- files -----------------------------------------------------------------------------------------

def parse_yaml(text: str) -> Any:
    """Safe YAML, through libyaml when PyYAML was built with it (twice as fast, same result)."""
    if yaml.__with_libyaml__:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    return yaml.safe_load(text)


def _read_sections(directory: Path, ctx: Context) -> dict[str, dict[str, tuple[str, Any]]]:
    """Every section's entries across all files, each remembering the file it came from."""
    sections: dict[str, dict[str, tuple[str, Any]]] = {name: {} for name in SECTIONS}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        ctx.problems.append(f"{directory}: no .yaml rule files")
    for path in files:
        with ctx.at(path.name):
            try:
                document = parse_yaml(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as error:
                raise Problem(f"not valid YAML: {error}") from None
            for section, entries in read_fields(document, optional=SECTIONS).items():
                for key, value in read_mapping(entries, f"a mapping under {section}").items():
                    if key in sections[section]:
                        ctx.problems.append(f"{path.name}: {section}.{key} is also defined in "
                                            f"{sections[section][key][0]}")
                        continue
                    sections[section][str(key)] = (path.name, value)
    return sections


def load_rulebook(directory: Path, *, effective_dates: Mapping[str, date]) -> RuleBook:
    """Read, validate and assemble a RuleBook; raises RuleBookInvalid listing every problem."""
    ctx = Context()
    sections = _read_sections(directory, ctx)

    def build(section: str, make: Callable[[str, Any], Any]) -> dict[str, Any]:
        built = {}
        for key, (origin, value) in sections[section].items():
            with ctx.at(f"{origin}: {section}.{key}"):
                built[key] = make(key, value)
        return built

    regulations = build("regulations", read_regulation)
    for instrument in regulations.values():
        if instrument.replaces is not None and instrument.replaces not in regulations:
            ctx.problems.append(f"regulations.{instrument.id}: replaces unknown regulation {instrument.replaces!r}")
    frameworks = build("frameworks", lambda key, value: read_framework(key, value, regulations))
    kinds = build("certificate_kinds", read_certificate_kind)
    tables = build("conversion_tables", lambda key, value: read_table(key, value, regulations=regulations,
                                                                   frameworks=frameworks, kinds=kinds))
    for ref, start in effective_dates.items():
        with ctx.at(f"effective_dates[{ref!r}]"):
            read_date(start, ref)
    rules = _rules(sections["rules"], ctx, regulations, _Refs(frameworks, tables), effective_dates)
    _check_rule_references(rules, sections["rules"], ctx)
    known_refs = {v.ref for versions in rules.values() for v in versions}
    pending_refs = {f"{rule_id}@{item.get('version')}" for rule_id, (_, value) in sections["rules"].items()
                    if isinstance(value, Mapping)
                    for item in value.get("versions") or [] if isinstance(item, Mapping)
                    and item.get("effective_from") == PENDING}
    for ref in effective_dates:
        if ref not in pending_refs:
            ctx.problems.append(f"effective_dates: {ref!r} is not a pending rule version "
                                f"({'it already has a date' if ref in known_refs else 'no such version'})")
    if NATIONAL_FRAMEWORK not in rules and not ctx.problems:
        ctx.problems.append(f"rules: {NATIONAL_FRAMEWORK} is required (which framework is in force when)")
    if ctx.problems:
        raise RuleBookInvalid(ctx.problems)
    return RuleBook(regulations=regulations, frameworks=frameworks, certificate_kinds=kinds, tables=tables,
                    rules=rules)
