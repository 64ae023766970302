"""LevelPath's adaptive engine against catsim 0.21 on the same 3PL bank and examinees.

For each bank size (1,000 and 10,000 items) it generates one bank (catsim's own 3PL
distributions: a ~ N(1.2, 0.25), b ~ N(0, 1), c ~ N(0.25, 0.02)) and one set of N(0, 1)
examinees, writes them as BANK.csv / THETAS.csv, and measures:

- whole commands, as subprocesses with their start-up: ``levelpath cat simulate`` against a
  script driving catsim's Simulator (this file with ``--catsim-worker``), both fixed at 30
  items, both starting at theta = 0, both by maximum information;
- per step, selection and estimation: catsim's selector/estimator calls timed inside that run;
  LevelPath's engine timed in-process; and a plain NumPy step of the same rule (information of
  the whole bank, mask, argmax; grid EAP recomputed from the administered items);
- exact-level accuracy at 30 items (cuts -2,-1,0,1,2);
- the classification stop: the default (``levelpath cat simulate --classify-stop``) against
  the goal, and the trade-off curve of mean length and accuracy over a few confidence levels,
  with and without curtailment, each against catsim's 30-item accuracy on the same examinees;
- exposure control at a 0.25 cap, against the unconstrained engine on a large sample of our
  own (``--exposure-examinees``, 40,000 by default: catsim is not rerun), so the accuracy
  difference is resolved to a fraction of a point: the exposure cap (running counts; it holds
  by construction, and is the goal check) and Sympson-Hetter (calibrated on a separate sample,
  so its cap is checked out of sample).

Every run, catsim's included, draws an examinee's response to an item from the same uniform
(LevelPath's per-examinee streams, handed to catsim's Simulator in place of its generator), so
the accuracy comparisons are paired: they differ only through the items chosen and the
estimates, not through fresh response noise. Each difference is printed with its standard
error, computed from the per-examinee differences (0 or ±1) of the pair.

Run: ``.venv/bin/python bench/cat_vs_catsim.py [--quick]``. Needs the ``bench`` extra (catsim).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

CUTS = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
TEST_LENGTH = 30
GOAL_WHOLE_SPEEDUP = 10.0
GOAL_STEP_VS_PLAIN = 2.0
GOAL_STEP_SPEEDUP = 20.0
GOAL_CLASSIFY_LENGTH = 22.0
GOAL_MAX_EXPOSURE = 0.25
GOAL_EXPOSURE_ACCURACY_DROP = 0.01
# The trade-off curve: the default rule (posterior probability with curtailment) over a few
# confidences, and the posterior rule alone, which needs lower confidences for similar lengths.
CURTAILED_CONFIDENCES = (0.9, 0.92, 0.94, 0.96)
SH_ITERATIONS = 8
POSTERIOR_ONLY_CONFIDENCES = (0.75, 0.78, 0.8, 0.85)


def level_of(theta: np.ndarray) -> np.ndarray:
    return np.searchsorted(CUTS, theta, side="right") + 1


def make_bank(n_items: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A 3PL bank drawn from the distributions of catsim's ItemBank.generate_item_bank."""
    rng = np.random.default_rng([seed, n_items])
    a = np.clip(rng.normal(1.2, 0.25, n_items), 0.2, None)
    b = rng.normal(0.0, 1.0, n_items)
    c = np.clip(rng.normal(0.25, 0.02, n_items), 0.0, 0.5)
    return a, b, c


def write_inputs(folder: Path, a: np.ndarray, b: np.ndarray, c: np.ndarray, thetas: np.ndarray) -> tuple[Path, Path]:
    bank, examinees = folder / "bank.csv", folder / "thetas.csv"
    with bank.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item_id", "a", "b", "c"])
        writer.writerows((f"i{i}", repr(float(a[i])), repr(float(b[i])), repr(float(c[i]))) for i in range(a.size))
    with examinees.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["examinee_id", "theta"])
        writer.writerows((f"e{i}", repr(float(t))) for i, t in enumerate(thetas))
    return bank, examinees


def read_inputs(bank: Path, examinees: Path) -> tuple[np.ndarray, np.ndarray]:
    with bank.open(newline="") as handle:
        params = np.array([[float(r["a"]), float(r["b"]), float(r["c"])] for r in csv.DictReader(handle)])
    with examinees.open(newline="") as handle:
        thetas = np.array([float(r["theta"]) for r in csv.DictReader(handle)])
    return params, thetas


# --- catsim side (runs in a subprocess; imports catsim only there) -----------------------------


class PairedUniforms:
    """Stands in for the generator catsim's Simulator draws responses from.

    It returns the uniform LevelPath's simulation uses for the current examinee and item (the
    same ``SeedSequence`` stream), so an examinee answers an item the same way in both.
    """

    def __init__(self, seed: int, n_items: int) -> None:
        self.seed = seed
        self.n_items = n_items
        self.examinee = 0
        self.item = 0
        self._cached: tuple[int, np.ndarray] | None = None

    def uniform(self) -> float:
        if self._cached is None or self._cached[0] != self.examinee:
            self._cached = (self.examinee, np.random.default_rng([self.seed, 0, self.examinee, 0]).random(self.n_items))
        return float(self._cached[1][self.item])


def catsim_worker(bank: Path, examinees: Path, out: Path, r_max: float, seed: int) -> None:
    """Simulate with catsim's Simulator: fixed 30 items, start at 0, maximum information, MLE."""
    from catsim.estimation import NumericalSearchEstimator
    from catsim.initialization import FixedPointInitializer
    from catsim.item_bank import ItemBank
    from catsim.selection import MaxInfoSelector
    from catsim.simulation import Simulator
    from catsim.stopping import TestLengthStopper

    params, thetas = read_inputs(bank, examinees)
    clock = time.perf_counter
    spent = {"select": 0.0, "estimate": 0.0, "steps": 0}
    draws = PairedUniforms(seed, len(params))

    class StartAtZero(FixedPointInitializer):
        def initialize(self, index: int | None = None, **kwargs: Any) -> float:
            draws.examinee = int(index or 0)
            return super().initialize(index=index, **kwargs)

    class TimedSelector(MaxInfoSelector):
        def select(self, *args: Any, **kwargs: Any) -> int | None:
            start = clock()
            item = None
            try:
                item = super().select(*args, **kwargs)
                return item
            finally:
                spent["select"] += clock() - start
                draws.item = int(item) if item is not None else 0

    class TimedEstimator(NumericalSearchEstimator):
        def estimate(self, *args: Any, **kwargs: Any) -> float:
            start = clock()
            try:
                return super().estimate(*args, **kwargs)
            finally:
                spent["estimate"] += clock() - start
                spent["steps"] += 1

    item_bank = ItemBank(np.column_stack([params, np.ones(len(params))]))
    simulator = Simulator(item_bank, thetas, seed=seed)
    # Catsim answers each step with ``P >= rng.uniform()``; handing it LevelPath's uniform for
    # this examinee and item makes both face the same response draws (a paired comparison).
    simulator._Simulator__rng = draws  # type: ignore[attr-defined]
    simulator.simulate(
        StartAtZero(0.0),
        TimedSelector(r_max=r_max),
        TimedEstimator(),
        TestLengthStopper(min_items=TEST_LENGTH, max_items=TEST_LENGTH),
    )
    steps = max(int(spent["steps"]), 1)
    out.write_text(
        json.dumps(
            {
                "theta": [float(t) for t in simulator.latest_estimations],
                "n_items": [len(items) for items in simulator.administered_items],
                "select_ms": 1e3 * spent["select"] / steps,
                "estimate_ms": 1e3 * spent["estimate"] / steps,
                "max_exposure": float(np.max(item_bank.exposure_rates)),
            }
        )
    )


# --- LevelPath side ----------------------------------------------------------------------------


def levelpath_command() -> list[str]:
    found = shutil.which(
        "levelpath", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    if found is None:
        raise SystemExit("the levelpath command is not installed (pip install -e '.[bench]')")
    return [found]


def timed_run(command: list[str]) -> float:
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed


def levelpath_run(bank: Path, examinees: Path, out: Path, seed: int, *extra: str) -> tuple[float, dict[str, Any]]:
    command = [
        *levelpath_command(),
        "cat",
        "simulate",
        "--bank",
        str(bank),
        "--examinees",
        str(examinees),
        "--out",
        str(out),
        "--max-items",
        str(TEST_LENGTH),
        "--seed",
        str(seed),
        *extra,
    ]
    elapsed = timed_run(command)
    return elapsed, json.loads(out.read_text())


def levelpath_step_times(params: np.ndarray, thetas: np.ndarray, seed: int) -> tuple[float, float, list[list[int]]]:
    """Per-step selection and estimation of the engine, in-process, 30 items each."""
    from assessment.psychometrics.cat.engine import CatConfig, CatEngine
    from assessment.psychometrics.cat.pool import ItemPool
    from assessment.psychometrics.cat.simulation import StepTimer, simulate
    from assessment.psychometrics.cat.stopping import StoppingRule

    pool = ItemPool.build([f"i{i}" for i in range(len(params))], params[:, 0], params[:, 1], params[:, 2])
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(TEST_LENGTH, TEST_LENGTH)))
    simulate(engine, thetas[:5], seed=seed)  # warm-up
    timer = StepTimer()
    run = simulate(engine, thetas, seed=seed, timer=timer)
    sequences = [[pool.position(i) for i in x.result.items] for x in run.examinees]
    return timer.select_ms, timer.estimate_ms, sequences


def plain_numpy_steps(params: np.ndarray, thetas: np.ndarray, seed: int) -> tuple[float, list[list[int]]]:
    """The same rule written plainly: bank information, mask, argmax; EAP from scratch on the grid.

    Responses come from the same per-examinee uniforms as the engine's simulation, so the
    item sequences can be compared: the same rule should pick the same items.
    """
    a, b, c = params[:, 0], params[:, 1], params[:, 2]
    grid = np.linspace(-6.0, 6.0, 121)
    log_prior = -0.5 * grid**2
    spent = 0.0
    steps = 0
    sequences = []
    clock = time.perf_counter
    for e, true_theta in enumerate(thetas):
        uniforms = np.random.default_rng([seed, 0, e, 0]).random(a.size)
        theta = 0.0
        administered: list[int] = []
        responses: list[int] = []
        for _ in range(TEST_LENGTH):
            start = clock()
            p = c + (1.0 - c) / (1.0 + np.exp(-a * (theta - b)))
            info = a**2 * (p - c) ** 2 * (1.0 - p) / ((1.0 - c) ** 2 * p)
            info[administered] = -np.inf
            item = int(np.argmax(info))
            spent += clock() - start
            p_true = c[item] + (1.0 - c[item]) / (1.0 + np.exp(-a[item] * (true_theta - b[item])))
            administered.append(item)
            responses.append(int(uniforms[item] < p_true))
            start = clock()
            idx = np.array(administered)
            u = np.array(responses, dtype=bool)
            pg = c[idx] + (1.0 - c[idx]) / (1.0 + np.exp(-a[idx] * (grid[:, np.newaxis] - b[idx])))
            loglik = np.where(u, np.log(pg), np.log1p(-pg)).sum(axis=1)
            log_post = loglik + log_prior
            weights = np.exp(log_post - log_post.max())
            theta = float(weights @ grid / weights.sum())
            spent += clock() - start
            steps += 1
        sequences.append(administered)
    return 1e3 * spent / max(steps, 1), sequences


def correct(true_thetas: np.ndarray, estimates: np.ndarray) -> np.ndarray:
    """Whether each estimate falls in the examinee's true level."""
    return level_of(true_thetas) == level_of(estimates)


def paired(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """Mean difference of two runs' per-examinee correctness, and its standard error."""
    difference = first.astype(np.float64) - second.astype(np.float64)
    return float(difference.mean()), float(difference.std(ddof=1) / np.sqrt(difference.size))


def build_pool(params: np.ndarray) -> Any:
    from assessment.psychometrics.cat.pool import ItemPool

    return ItemPool.build([f"i{i}" for i in range(len(params))], params[:, 0], params[:, 1], params[:, 2])


@dataclass(frozen=True)
class CurvePoint:
    rule: str
    confidence: float
    length: float
    accuracy: float
    versus_catsim: tuple[float, float]


def tradeoff_curve(params: np.ndarray, thetas: np.ndarray, seed: int, catsim_correct: np.ndarray) -> list[CurvePoint]:
    """Mean length and accuracy of the classification stop at several confidences, in-process.

    Same examinees and response draws as the catsim run, so each accuracy is compared with
    catsim's 30-item accuracy pairwise.
    """
    from assessment.psychometrics.cat.engine import CatConfig, CatEngine
    from assessment.psychometrics.cat.simulation import simulate
    from assessment.psychometrics.cat.stopping import ClassificationStop, StoppingRule
    from assessment.psychometrics.levels import LevelScale

    pool = build_pool(params)
    scale = LevelScale(tuple(CUTS.tolist()))
    base = CatEngine(pool, CatConfig(scale=scale))
    settings = [("posterior + curtailment", c, True) for c in CURTAILED_CONFIDENCES]
    settings += [("posterior only", c, False) for c in POSTERIOR_ONLY_CONFIDENCES]
    points = []
    for rule, confidence, curtail in settings:
        stop = ClassificationStop(scale, confidence, curtail=curtail)
        engine = CatEngine(pool, replace(base.config, stopping=StoppingRule(1, TEST_LENGTH, None, stop)))
        run = simulate(engine, thetas, seed=seed)
        ours = np.array([x.result.level == x.true_level for x in run.examinees])
        points.append(
            CurvePoint(rule, confidence, run.summary.mean_length, float(ours.mean()), paired(ours, catsim_correct))
        )
    return points


@dataclass(frozen=True)
class ExposureRun:
    name: str
    accuracy: float
    max_exposure: float
    versus_free: tuple[float, float]


@dataclass(frozen=True)
class ExposureCheck:
    calibration_examinees: int
    examinees: int
    aim: float
    free_accuracy: float
    free_max_exposure: float
    cap: ExposureRun
    sympson_hetter: ExposureRun


def exposure_check(params: np.ndarray, n_calibration: int, n_examinees: int, seed: int) -> ExposureCheck:
    """Exposure control against the unconstrained engine, 30 items, paired, on a large sample.

    The exposure cap needs no calibration: examinees are tested in order and no item's running
    rate passes 0.25. Sympson-Hetter's parameters are calibrated on a separate N(0,1) sample
    (aiming below the cap by three standard deviations of both samples' sampling error) and
    used out of sample. All three runs use the same per-examinee response draws.
    """
    from assessment.psychometrics.cat.engine import CatConfig, CatEngine
    from assessment.psychometrics.cat.selection import ExposureCap, SympsonHetter
    from assessment.psychometrics.cat.simulation import calibrate_sympson_hetter, simulate, sympson_hetter_target
    from assessment.psychometrics.cat.stopping import StoppingRule

    pool = build_pool(params)
    engine = CatEngine(pool, CatConfig(stopping=StoppingRule(TEST_LENGTH, TEST_LENGTH)))
    calibration = np.random.default_rng([seed, 8]).normal(0.0, 1.0, n_calibration)
    examinees = np.random.default_rng([seed, 9]).normal(0.0, 1.0, n_examinees)
    aim = sympson_hetter_target(GOAL_MAX_EXPOSURE, n_examinees, calibration_examinees=n_calibration)
    k = calibrate_sympson_hetter(engine, calibration, target=aim, iterations=SH_ITERATIONS, seed=seed + 1)
    free = simulate(engine, examinees, seed=seed + 2)
    free_correct = np.array([x.result.level == x.true_level for x in free.examinees])
    runs = []
    for name, selector in (
        ("exposure cap", ExposureCap.start(pool.size, GOAL_MAX_EXPOSURE)),
        ("Sympson-Hetter", SympsonHetter.of(k)),
    ):
        run = simulate(engine.with_selector(selector), examinees, seed=seed + 2)
        run_correct = np.array([x.result.level == x.true_level for x in run.examinees])
        runs.append(
            ExposureRun(name, float(run_correct.mean()), run.summary.max_exposure, paired(run_correct, free_correct))
        )
    return ExposureCheck(
        n_calibration, n_examinees, aim, float(free_correct.mean()), free.summary.max_exposure, runs[0], runs[1]
    )


@dataclass
class SizeReport:
    n_items: int
    figures: dict[str, float]
    curve: list[CurvePoint] = field(default_factory=list)
    exposure: ExposureCheck | None = None


def bench_size(
    n_items: int,
    n_examinees: int,
    n_timed: int,
    exposure_sizes: tuple[int, int],
    seed: int,
    folder: Path,
    catsim_exposure: bool,
) -> SizeReport:
    a, b, c = make_bank(n_items, seed)
    thetas = np.random.default_rng([seed, 7]).normal(0.0, 1.0, n_examinees)
    bank, examinees = write_inputs(folder, a, b, c, thetas)
    params = np.column_stack([a, b, c])
    f: dict[str, float] = {}
    print(f"\n== {n_items} items, {n_examinees} examinees ==", flush=True)

    ours_time, ours = levelpath_run(bank, examinees, folder / "ours.json", seed, "--min-items", str(TEST_LENGTH))
    f["ours_whole_s"] = ours_time
    ours_correct = correct(thetas, np.array([e["theta"] for e in ours["examinees"]]))
    f["ours_accuracy"] = float(ours_correct.mean())
    f["ours_rmse"] = ours["summary"]["rmse"]
    print(f"levelpath cat simulate (30 items): {ours_time:.2f} s", flush=True)

    catsim_out = folder / "catsim.json"
    catsim_cmd = [
        sys.executable,
        __file__,
        "--catsim-worker",
        str(bank),
        str(examinees),
        str(catsim_out),
        "1.0",
        str(seed),
    ]
    f["catsim_whole_s"] = timed_run(catsim_cmd)
    catsim = json.loads(catsim_out.read_text())
    catsim_theta = np.array(catsim["theta"])
    catsim_correct = correct(thetas, catsim_theta)
    f["catsim_accuracy"] = float(catsim_correct.mean())
    f["ours_vs_catsim"], f["ours_vs_catsim_se"] = paired(ours_correct, catsim_correct)
    f["catsim_rmse"] = float(np.sqrt(np.mean((catsim_theta - thetas) ** 2)))
    f["catsim_select_ms"] = catsim["select_ms"]
    f["catsim_estimate_ms"] = catsim["estimate_ms"]
    print(f"catsim Simulator (30 items): {f['catsim_whole_s']:.2f} s", flush=True)

    timed = thetas[:n_timed]
    f["ours_select_ms"], f["ours_estimate_ms"], ours_sequences = levelpath_step_times(params, timed, seed)
    f["plain_step_ms"], plain_sequences = plain_numpy_steps(params, timed, seed)
    f["same_items_share"] = float(np.mean([x == y for x, y in zip(ours_sequences, plain_sequences, strict=True)]))

    _, classified = levelpath_run(bank, examinees, folder / "classify.json", seed, "--classify-stop")
    f["classify_confidence"] = classified["settings"]["confidence"]
    f["classify_length"] = classified["summary"]["mean_length"]
    classify_correct = np.array([e["level"] == e["true_level"] for e in classified["examinees"]])
    f["classify_accuracy"] = float(classify_correct.mean())
    f["classify_vs_catsim"], f["classify_vs_catsim_se"] = paired(classify_correct, catsim_correct)
    start = time.perf_counter()
    curve = tradeoff_curve(params, thetas, seed, catsim_correct)
    print(f"classification stop trade-off curve: {time.perf_counter() - start:.0f} s", flush=True)

    n_calibration, n_exposure = exposure_sizes
    start = time.perf_counter()
    exposure = exposure_check(params, n_calibration, n_exposure, seed)
    print(f"exposure check ({n_exposure} examinees): {time.perf_counter() - start:.0f} s", flush=True)
    if catsim_exposure:
        catsim_cmd[-2] = "0.2"
        timed_run(catsim_cmd)
        limited = json.loads(catsim_out.read_text())
        f["catsim_rmax_accuracy"] = float(correct(thetas, np.array(limited["theta"])).mean())
        f["catsim_rmax_exposure"] = limited["max_exposure"]
    return SizeReport(n_items, f, curve, exposure)


def verdict(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def points(value: tuple[float, float]) -> str:
    return f"{100 * value[0]:+.1f} ± {100 * value[1]:.1f} points"


def print_curve(report: SizeReport) -> None:
    f = report.figures
    print(
        f"                 trade-off on the same examinees and draws (catsim@30 {f['catsim_accuracy']:.3f}; "
        f"goal: mean length <= {GOAL_CLASSIFY_LENGTH:.0f}, accuracy >= catsim's)"
    )
    print(f"                 {'rule':<25} {'c':>5} {'length':>7} {'accuracy':>9}   vs catsim@30")
    for point in report.curve:
        print(
            f"                 {point.rule:<25} {point.confidence:5.2f} {point.length:7.1f} {point.accuracy:9.3f}   "
            f"{points(point.versus_catsim)}"
        )


def print_report(report: SizeReport) -> list[bool]:
    f = report.figures
    ours_step = f["ours_select_ms"] + f["ours_estimate_ms"]
    catsim_step = f["catsim_select_ms"] + f["catsim_estimate_ms"]
    whole = f["catsim_whole_s"] / f["ours_whole_s"]
    vs_plain = ours_step / f["plain_step_ms"]
    step_speedup = catsim_step / ours_step
    exposure = report.exposure
    assert exposure is not None
    drop = exposure.cap.versus_free[0]
    checks = [
        whole >= GOAL_WHOLE_SPEEDUP,
        vs_plain <= GOAL_STEP_VS_PLAIN,
        step_speedup >= GOAL_STEP_SPEEDUP,
        f["ours_accuracy"] >= f["catsim_accuracy"],
        f["classify_accuracy"] >= f["catsim_accuracy"] and f["classify_length"] <= GOAL_CLASSIFY_LENGTH,
        exposure.cap.max_exposure <= GOAL_MAX_EXPOSURE and drop >= -GOAL_EXPOSURE_ACCURACY_DROP,
    ]
    print(f"\n-- {report.n_items} items --")
    print(
        f"whole command    levelpath {f['ours_whole_s']:7.2f} s   catsim {f['catsim_whole_s']:7.2f} s   "
        f"speed-up {whole:6.1f}x (goal >= {GOAL_WHOLE_SPEEDUP:.0f}x)  {verdict(checks[0])}"
    )
    print(
        f"per step (ms)    levelpath select {f['ours_select_ms']:.4f} + estimate {f['ours_estimate_ms']:.4f} = "
        f"{ours_step:.4f}"
    )
    print(
        f"                 catsim    select {f['catsim_select_ms']:.4f} + estimate {f['catsim_estimate_ms']:.4f} = "
        f"{catsim_step:.4f}"
    )
    print(
        f"                 plain NumPy step {f['plain_step_ms']:.4f}  (same item sequence in "
        f"{100 * f['same_items_share']:.1f}% of tests)"
    )
    print(
        f"                 levelpath/plain {vs_plain:5.2f} (goal <= {GOAL_STEP_VS_PLAIN:.0f})  {verdict(checks[1])};  "
        f"catsim/levelpath {step_speedup:6.1f}x (goal >= {GOAL_STEP_SPEEDUP:.0f}x)  {verdict(checks[2])}"
    )
    print(
        f"accuracy @30     levelpath {f['ours_accuracy']:.3f} (RMSE {f['ours_rmse']:.3f})   catsim "
        f"{f['catsim_accuracy']:.3f} (RMSE {f['catsim_rmse']:.3f})   difference "
        f"{points((f['ours_vs_catsim'], f['ours_vs_catsim_se']))}  {verdict(checks[3])}"
    )
    print(
        f"classify stop    default (--classify-stop, confidence {f['classify_confidence']:.2f}, curtailed): "
        f"mean length {f['classify_length']:.1f} (goal <= {GOAL_CLASSIFY_LENGTH:.0f}), accuracy "
        f"{f['classify_accuracy']:.3f} vs catsim@30 {f['catsim_accuracy']:.3f}, "
        f"{points((f['classify_vs_catsim'], f['classify_vs_catsim_se']))}  {verdict(checks[4])}"
    )
    print_curve(report)
    print(
        f"exposure         {exposure.examinees} examinees, 30 items, paired with the unconstrained run (accuracy "
        f"{exposure.free_accuracy:.4f}, max exposure {exposure.free_max_exposure:.3f}); goal: max <= "
        f"{GOAL_MAX_EXPOSURE}, accuracy at most 1 point below"
    )
    for run, label in (
        (exposure.cap, "running counts, nothing calibrated"),
        (exposure.sympson_hetter, f"calibrated on {exposure.calibration_examinees} others, aim {exposure.aim:.3f}"),
    ):
        low, high = (run.versus_free[0] + sign * 1.96 * run.versus_free[1] for sign in (-1, 1))
        side = "resolved" if high < -GOAL_EXPOSURE_ACCURACY_DROP or low > -GOAL_EXPOSURE_ACCURACY_DROP else "unresolved"
        ok = run.max_exposure <= GOAL_MAX_EXPOSURE and run.versus_free[0] >= -GOAL_EXPOSURE_ACCURACY_DROP
        print(
            f"                 {run.name:<15} ({label}): max {run.max_exposure:.3f}, accuracy {run.accuracy:.4f}, "
            f"{points(run.versus_free)}, 95% interval {100 * low:+.1f} to {100 * high:+.1f} ({side})  {verdict(ok)}"
        )
    if "catsim_rmax_accuracy" in f:
        print(
            f"                 catsim r_max=0.2 max {f['catsim_rmax_exposure']:.3f}, accuracy "
            f"{f['catsim_rmax_accuracy']:.3f} vs its unconstrained {f['catsim_accuracy']:.3f}"
        )
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 examinees instead of 1,000; smaller exposure check")
    parser.add_argument("--examinees", type=int, help="number of simulated examinees (catsim runs on these)")
    parser.add_argument(
        "--exposure-examinees",
        type=int,
        help="examinees of the exposure check (LevelPath only; default 40,000, --quick 4,000): the accuracy "
        "difference it measures is under a point, so its standard error must be a fraction of one",
    )
    parser.add_argument("--sizes", default="1000,10000", help="bank sizes, comma-separated")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--catsim-exposure", action="store_true", help="also run catsim's r_max=0.2 rule")
    parser.add_argument(
        "--catsim-worker", nargs=5, metavar=("BANK", "THETAS", "OUT", "R_MAX", "SEED"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.catsim_worker:
        bank, examinees, out, r_max, seed = args.catsim_worker
        catsim_worker(Path(bank), Path(examinees), Path(out), float(r_max), int(seed))
        return 0
    n_examinees = args.examinees or (200 if args.quick else 1000)
    n_timed = min(n_examinees, 100 if args.quick else 300)
    n_exposure = args.exposure_examinees or (4000 if args.quick else 40000)
    exposure_sizes = (min(max(n_exposure * 3 // 10, 500), 10000), n_exposure)
    print(f"cat vs catsim 0.21: {n_examinees} N(0,1) examinees, {TEST_LENGTH}-item tests, cuts {CUTS.tolist()}")
    all_checks = []
    with tempfile.TemporaryDirectory(prefix="cat-bench-") as tmp:
        reports = []
        for size in (int(s) for s in args.sizes.split(",")):
            folder = Path(tmp) / str(size)
            folder.mkdir()
            reports.append(
                bench_size(size, n_examinees, n_timed, exposure_sizes, args.seed, folder, args.catsim_exposure)
            )
        for report in reports:
            all_checks.extend(print_report(report))
    print(f"\n{sum(all_checks)} of {len(all_checks)} goal checks met")
    return 0 if all(all_checks) else 1


if __name__ == "__main__":
    sys.exit(main())
