"""``levelpath cat``: try adaptive-test settings on simulated examinees before a test goes live.

Imports only click, NumPy and the psychometric core, so the command starts in a fraction of
a second; every bad input becomes a click error naming the file, line and column.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np

from api.cli.outputs import OutputFile, write_output
from assessment.psychometrics.cat.constraints import Blueprint, InfeasibleConstraint, SkillQuota
from assessment.psychometrics.cat.engine import ESTIMATORS, CatConfig, CatEngine
from assessment.psychometrics.cat.pool import InvalidItemPool, ItemPool
from assessment.psychometrics.cat.selection import ExposureCap, Selector, SympsonHetter, parse_selector
from assessment.psychometrics.cat.simulation import (
    Simulation,
    calibrate_sympson_hetter,
    simulate as run_simulation,
    sympson_hetter_target,
)
from assessment.psychometrics.cat.stopping import (
    CLASSIFICATION_METHODS,
    DEFAULT_CONFIDENCE,
    ClassificationStop,
    StoppingRule,
)
from assessment.psychometrics.estimation import NormalPrior
from assessment.psychometrics.levels import LevelScale


@dataclass(frozen=True)
class Table:
    """A CSV file's rows keyed by lower-cased column name, with the file's line of each row."""

    path: Path
    param: str
    rows: list[tuple[int, dict[str, str]]]

    def fail(self, line: int | None, column: str | None, problem: str) -> click.BadParameter:
        where = f"{self.path}" + (f", line {line}" if line else "") + (f", column '{column}'" if column else "")
        return click.BadParameter(f"{where}: {problem}", param_hint=self.param)

    def number(self, line: int, row: dict[str, str], column: str, check: Callable[[float], str | None]) -> float:
        text = (row.get(column) or "").strip()
        try:
            value = float(text)
        except ValueError:
            raise self.fail(line, column, f"{text!r} is not a number") from None
        problem = "must be finite" if not math.isfinite(value) else check(value)
        if problem:
            raise self.fail(line, column, f"{text} {problem}")
        return value

    def ids(self, column: str) -> list[str]:
        seen: dict[str, int] = {}
        for line, row in self.rows:
            value = (row.get(column) or "").strip()
            if not value:
                raise self.fail(line, column, "is empty")
            if value in seen:
                raise self.fail(line, column, f"duplicate id {value!r} (first on line {seen[value]})")
            seen[value] = line
        return list(seen)


def read_table(path: Path, param: str, required: tuple[str, ...]) -> Table:
    """Read a CSV with a header; raises click.BadParameter on a missing column or no rows."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise Table(path, param, []).fail(None, None, "the file is empty (a header row is needed)")
            names = [name.strip().lower() for name in header]
            missing = [column for column in required if column not in names]
            if missing:
                raise Table(path, param, []).fail(
                    1, None, f"missing column(s) {', '.join(missing)}; the header has {', '.join(names)}"
                )
            rows = []
            for line, values in enumerate(reader, start=2):
                if not any(value.strip() for value in values):
                    continue
                if len(values) > len(names):
                    raise Table(path, param, []).fail(line, None, f"{len(values)} values for {len(names)} columns")
                rows.append((line, dict(zip(names, values, strict=False))))
    except UnicodeDecodeError:
        raise Table(path, param, []).fail(None, None, "is not UTF-8 text") from None
    if not rows:
        raise Table(path, param, []).fail(None, None, "has a header but no rows")
    return Table(path, param, rows)


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be > 0"


def _guessing(value: float) -> str | None:
    return None if 0 <= value < 1 else "must be in [0, 1)"


def _any(_: float) -> str | None:
    return None


def _share(value: float) -> str | None:
    return None if 0 < value <= 1 else "must be in (0, 1]"


def load_bank(path: Path) -> ItemPool:
    """BANK.csv: item_id,a,b,c with optional skill and testlet columns."""
    table = read_table(path, "--bank", ("item_id", "a", "b", "c"))
    ids = table.ids("item_id")
    a, b, c = (
        [table.number(line, row, name, check) for line, row in table.rows]
        for name, check in (("a", _positive), ("b", _any), ("c", _guessing))
    )
    columns = table.rows[0][1].keys()
    skills = [(row.get("skill") or "").strip() or None for _, row in table.rows] if "skill" in columns else None
    testlets = [(row.get("testlet") or "").strip() or None for _, row in table.rows] if "testlet" in columns else None
    try:
        return ItemPool.build(ids, a, b, c, skills=skills, testlets=testlets)
    except InvalidItemPool as error:
        raise table.fail(None, None, str(error)) from None


def load_examinees(path: Path) -> tuple[list[str], np.ndarray]:
    """THETAS.csv: examinee_id,theta."""
    table = read_table(path, "--examinees", ("examinee_id", "theta"))
    ids = table.ids("examinee_id")
    return ids, np.array([table.number(line, row, "theta", _any) for line, row in table.rows])


def load_exposure_params(path: Path, pool: ItemPool) -> SympsonHetter:
    """item_id,k: Sympson-Hetter parameters; items not listed get k = 1."""
    table = read_table(path, "--exposure-params", ("item_id", "k"))
    k = np.ones(pool.size)
    table.ids("item_id")
    for line, row in table.rows:
        item_id = row["item_id"].strip()
        if item_id not in pool.item_ids:
            raise table.fail(line, "item_id", f"item {item_id!r} is not in the bank")
        k[pool.position(item_id)] = table.number(line, row, "k", _share)
    return SympsonHetter.of(k)


def load_blueprint(path: Path) -> Blueprint:
    """skill,min_items,max_items (max_items may be empty)."""
    table = read_table(path, "--blueprint", ("skill", "min_items"))
    table.ids("skill")
    quotas = []
    for line, row in table.rows:
        low = table.number(line, row, "min_items", lambda v: None if v >= 0 and v == int(v) else "must be a count")
        high_text = (row.get("max_items") or "").strip()
        high = None
        if high_text:
            high = int(
                table.number(line, row, "max_items", lambda v: None if v >= 0 and v == int(v) else "must be a count")
            )
        try:
            quotas.append(SkillQuota(row["skill"].strip(), int(low), high))
        except ValueError as error:
            raise table.fail(line, "max_items", str(error)) from None
    return Blueprint(tuple(quotas))


def load_enemies(path: Path, pool: ItemPool) -> ItemPool:
    """item_id,enemy_id pairs, added to the pool."""
    table = read_table(path, "--enemies", ("item_id", "enemy_id"))
    pairs = [(row["item_id"].strip(), (row.get("enemy_id") or "").strip()) for _, row in table.rows]
    try:
        return ItemPool.build(
            pool.item_ids,
            pool.a,
            pool.b,
            pool.c,
            skills=[pool.skill_names[s] if s >= 0 else None for s in pool.skill_of],
            testlets=[pool.testlet_names[u] for u in pool.unit_of] if pool.has_testlets else None,
            enemy_pairs=pairs,
        )
    except InvalidItemPool as error:
        raise table.fail(None, None, str(error)) from None


# --selector: a name, and for two of them an optional argument; exposure-cap's rate defaults to --r-max here,
# not to the core's 0.25, so the core's wording of an unknown selector would mislead.
SELECTORS_WITH_ARGUMENT = frozenset({"randomesque", "exposure-cap"})
SELECTORS = frozenset({"maxinfo", "sympson-hetter", *SELECTORS_WITH_ARGUMENT})
SELECTOR_FORMS = "maxinfo, randomesque[:K], sympson-hetter or exposure-cap[:R] (R defaults to --r-max)"


def choose_selector(text: str, n_items: int) -> Selector:
    """The selector --selector names; raises click.BadParameter listing the forms the command takes."""
    name, _, argument = text.strip().partition(":")
    if name not in SELECTORS or (argument and name not in SELECTORS_WITH_ARGUMENT):
        raise click.BadParameter(f"unknown selector {text!r}: use {SELECTOR_FORMS}", param_hint="--selector")
    try:
        return parse_selector(text, n_items)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--selector") from None


def result_document(simulation: Simulation, settings: dict[str, Any]) -> dict[str, Any]:
    """RESULT.json: settings, summary, and one record per examinee."""
    summary = simulation.summary
    examinees = []
    for examinee in simulation.examinees:
        result = examinee.result
        record: dict[str, Any] = {
            "examinee_id": examinee.examinee_id,
            "theta": round(result.theta, 6),
            "se": round(result.se, 6),
            "n_items": len(result.items),
            "level": result.level,
            "items": list(result.items),
            "responses": list(result.responses),
            "true_theta": examinee.true_theta,
            "true_level": examinee.true_level,
            "level_probabilities": {str(k): round(p, 6) for k, p in result.level_probabilities.items()},
            "stop_reason": result.stop_reason,
        }
        if result.at_bound:
            record["at_bound"] = True
        if result.skills:
            record["skills"] = {
                name: {"theta": round(s.theta, 6), "se": round(s.se, 6), "level": s.level, "n_items": s.n_items}
                for name, s in result.skills.items()
            }
        if result.issues:
            record["issues"] = [{"code": issue.code, "message": issue.message} for issue in result.issues]
        examinees.append(record)
    return {
        "settings": settings,
        "summary": {
            "n_examinees": summary.n_examinees,
            "rmse": summary.rmse,
            "bias": summary.bias,
            "mean_length": summary.mean_length,
            "exact_level_accuracy": summary.exact_level_accuracy,
            "within_one_level_accuracy": summary.within_one_level_accuracy,
            "max_exposure": summary.max_exposure,
            "items_used": summary.items_used,
            "stop_reasons": summary.stop_reasons,
            "constraint_issues": summary.issues,
        },
        "examinees": examinees,
    }


@click.group()
def cat() -> None:
    """Adaptive testing: simulate a test's settings on examinees of known ability."""


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@cat.command()
@click.option("--bank", type=FILE, required=True, help="Item bank CSV: item_id,a,b,c[,skill][,testlet].")
@click.option("--examinees", type=FILE, required=True, help="True abilities CSV: examinee_id,theta.")
@click.option("--out", type=OutputFile(), required=True, help="RESULT.json to write.")
@click.option("--max-items", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--min-items", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--se-stop", type=click.FloatRange(min=0, min_open=True), help="Stop once the SE is at most this.")
@click.option("--classify-stop", is_flag=True, help="Stop once the level is decided (see --confidence).")
@click.option("--cuts", default="-2,-1,0,1,2", show_default=True, help="Cut scores; n cuts make levels 1..n+1.")
@click.option(
    "--selector",
    default="maxinfo",
    show_default=True,
    help="maxinfo | randomesque[:K] (K default 5) | sympson-hetter (exposure parameters from --exposure-params, "
    "or calibrated by iterated simulation of these examinees to keep exposure under --r-max) | "
    "exposure-cap[:R] (examinees tested in order; an item whose running exposure rate would pass "
    "R, default --r-max, is left out, so no rate ends above it; nothing to calibrate).",
)
@click.option("--estimator", type=click.Choice(ESTIMATORS), default="eap", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 1, max_open=True),
    default=DEFAULT_CONFIDENCE,
    show_default=True,
    help="Confidence c a --classify-stop decision needs: the test stops once the level is right with "
    "posterior probability >= c (posterior method), or once the items left before --max-items would "
    "change the level with probability < 1 - c (curtailment). Higher c: longer, more accurate tests.",
)
@click.option(
    "--classify-method",
    type=click.Choice(CLASSIFICATION_METHODS),
    default="posterior",
    show_default=True,
    help="posterior: level probability >= c; ci: theta ± z·SE (coverage c) inside one level; "
    "sprt: SPRT at each cut (error rates 1 - c, indifference ±0.2).",
)
@click.option(
    "--curtail/--no-curtail",
    default=True,
    show_default=True,
    help="Also stop once the remaining items are unlikely (< 1 - c) to change the level.",
)
@click.option("--exposure-params", type=FILE, help="Sympson-Hetter parameters CSV: item_id,k (k in (0,1]).")
@click.option(
    "--r-max",
    type=click.FloatRange(0, 1, min_open=True),
    default=0.25,
    show_default=True,
    help="Maximum exposure rate for sympson-hetter and exposure-cap. Sympson-Hetter calibration aims "
    "3 binomial SDs below it for this many examinees so that the observed rates stay under it.",
)
@click.option("--sh-iterations", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--save-exposure-params", type=OutputFile())
@click.option("--blueprint", type=FILE, help="Skill quotas CSV: skill,min_items[,max_items].")
@click.option("--enemies", type=FILE, help="Enemy pairs CSV: item_id,enemy_id.")
@click.option("--prior-mean", type=float, default=0.0, show_default=True)
@click.option("--prior-sd", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True)
def simulate(
    bank: Path,
    examinees: Path,
    out: Path,
    max_items: int,
    min_items: int,
    se_stop: float | None,
    classify_stop: bool,
    cuts: str,
    selector: str,
    estimator: str,
    seed: int,
    confidence: float,
    classify_method: str,
    curtail: bool,
    exposure_params: Path | None,
    r_max: float,
    sh_iterations: int,
    save_exposure_params: Path | None,
    blueprint: Path | None,
    enemies: Path | None,
    prior_mean: float,
    prior_sd: float,
) -> None:
    """Simulate adaptive tests: responses drawn from the model at each examinee's true ability.

    Writes RESULT.json with one record per examinee (theta, se, n_items, level, items, ...) and a
    summary (RMSE, bias, mean length, exact and within-one level accuracy, exposure, items used).
    Constraints that cannot be met are refused up front or counted in summary.constraint_issues.
    """
    if min_items > max_items:
        raise click.BadParameter(f"--min-items {min_items} exceeds --max-items {max_items}", param_hint="--min-items")
    try:
        scale = LevelScale.parse(cuts)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--cuts") from None
    pool = load_bank(bank)
    if enemies is not None:
        pool = load_enemies(enemies, pool)
    ids, thetas = load_examinees(examinees)
    chosen = choose_selector(selector, pool.size)
    if exposure_params is not None and not isinstance(chosen, SympsonHetter):
        raise click.BadParameter(
            "only the sympson-hetter selector takes exposure parameters", param_hint="--exposure-params"
        )
    classification = (
        ClassificationStop(scale, confidence, classify_method, curtail=curtail)  # type: ignore[arg-type]
        if classify_stop
        else None
    )
    config = CatConfig(
        stopping=StoppingRule(min_items, max_items, se_stop, classification),
        estimator=estimator,  # type: ignore[arg-type]
        prior=NormalPrior(prior_mean, prior_sd),
        scale=scale,
        blueprint=load_blueprint(blueprint) if blueprint is not None else None,
    )
    try:
        engine = CatEngine(pool, config)
    except InfeasibleConstraint as error:
        raise click.UsageError(f"the test cannot be delivered as configured: {error}") from None

    settings: dict[str, Any] = {
        "bank": str(bank),
        "examinees": str(examinees),
        "max_items": max_items,
        "min_items": min_items,
        "se_stop": se_stop,
        "classify_stop": classify_stop,
        "confidence": confidence if classify_stop else None,
        "classify_method": classify_method if classify_stop else None,
        "curtail": curtail if classify_stop else None,
        "cuts": list(scale.cuts),
        "selector": selector,
        "estimator": estimator,
        "seed": seed,
    }
    if isinstance(chosen, SympsonHetter):
        if exposure_params is not None:
            chosen = load_exposure_params(exposure_params, pool)
            settings["exposure_params"] = str(exposure_params)
        else:
            target = sympson_hetter_target(r_max, len(ids))
            k = calibrate_sympson_hetter(engine, thetas, r_max=r_max, iterations=sh_iterations, seed=seed)
            chosen = SympsonHetter.of(k)
            settings["exposure_params"] = {"r_max": r_max, "calibration_target": target, "iterations": sh_iterations}
        if save_exposure_params is not None:
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["item_id", "k"])
            writer.writerows(zip(pool.item_ids, (f"{value:.6g}" for value in chosen.k), strict=True))
            write_output(save_exposure_params, text.getvalue())
    if isinstance(chosen, ExposureCap):
        cap = chosen.r_max if ":" in selector else r_max  # a rate in the selector text wins
        chosen = ExposureCap.start(pool.size, cap)
        settings["r_max"] = cap
    try:
        engine = engine.with_selector(chosen)
    except InfeasibleConstraint as error:
        raise click.UsageError(f"the test cannot be delivered as configured: {error}") from None

    simulation = run_simulation(engine, thetas, examinee_ids=ids, seed=seed)
    write_output(out, json.dumps(result_document(simulation, settings), indent=1))
    summary = simulation.summary
    click.echo(
        f"{summary.n_examinees} examinees: RMSE {summary.rmse:.3f}, bias {summary.bias:+.3f}, "
        f"mean length {summary.mean_length:.1f}, exact level {summary.exact_level_accuracy:.3f}, "
        f"within one {summary.within_one_level_accuracy:.3f}, max exposure {summary.max_exposure:.3f} -> {out}"
    )
