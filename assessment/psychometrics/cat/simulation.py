"""Simulated adaptive tests: examinees of known ability answer from the model, the engine adapts.

Randomness is split into reproducible streams per examinee (numpy ``SeedSequence`` keyed by
seed, stream, examinee): one uniform per item drives that examinee's response to the item,
another stream drives randomised selection. The same examinee thus gives the same response to
the same item under any settings, so two runs differ only through the items they choose:
comparisons between settings are paired (common random numbers), not blurred by fresh noise.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from assessment.psychometrics.cat.engine import CatEngine, CatResult
from assessment.psychometrics.cat.selection import ExposureCap, SympsonHetter
from assessment.psychometrics.levels import accuracy
from assessment.psychometrics.models import FloatArray

# Realised exposure rates scatter around the expected ones by sampling error; Sympson-Hetter
# calibration aims this many binomial standard deviations below the cap so that the rates a
# simulation of the same size observes stay under it.
EXPOSURE_SAFETY_SDS = 3.0


@dataclass
class StepTimer:
    """Accumulated wall time of selection (next item) and estimation (record) calls."""

    select_seconds: float = 0.0
    estimate_seconds: float = 0.0
    steps: int = 0

    @property
    def select_ms(self) -> float:
        return 1e3 * self.select_seconds / max(self.steps, 1)

    @property
    def estimate_ms(self) -> float:
        return 1e3 * self.estimate_seconds / max(self.steps, 1)


@dataclass(frozen=True)
class SimulatedExaminee:
    """One simulated examinee: true ability and level, and the test's result."""

    examinee_id: str
    true_theta: float
    true_level: int
    result: CatResult


@dataclass(frozen=True)
class SimulationSummary:
    """How well the simulated tests recovered ability and level, and how they used the pool."""

    n_examinees: int
    rmse: float
    bias: float
    mean_length: float
    exact_level_accuracy: float
    within_one_level_accuracy: float
    max_exposure: float
    items_used: int
    stop_reasons: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Simulation:
    """Per-examinee results, the summary, and per-item exposure and selection rates."""

    examinees: tuple[SimulatedExaminee, ...]
    summary: SimulationSummary
    exposure: FloatArray  # share of examinees who were given each item
    selection: FloatArray  # share of examinees for whom each item won selection (given or set aside)


def simulate(
    engine: CatEngine,
    thetas: ArrayLike,
    *,
    examinee_ids: Sequence[str] | None = None,
    seed: int = 0,
    stream: int = 0,
    timer: StepTimer | None = None,
) -> Simulation:
    """Run one adaptive test per true ability and summarise against the true levels.

    With an :class:`ExposureCap` selector the examinees are tested in the order given, each
    under the exposure counts of those before, as they would be in operation.
    """
    true_thetas = np.asarray(thetas, dtype=np.float64).reshape(-1)
    ids = list(examinee_ids) if examinee_ids is not None else [str(i + 1) for i in range(true_thetas.size)]
    if len(ids) != true_thetas.size:
        raise ValueError(f"{len(ids)} examinee ids for {true_thetas.size} abilities")
    pool = engine.pool
    given = np.zeros(pool.size)
    won = np.zeros(pool.size)
    scale = engine.config.scale
    true_levels = scale.level_of(true_thetas)
    examinees = []
    clock = time.perf_counter
    for e, (examinee_id, theta) in enumerate(zip(ids, true_thetas, strict=True)):
        uniforms = np.random.default_rng([seed, stream, e, 0]).random(pool.size)
        selection_rng = np.random.default_rng([seed, stream, e, 1])
        session = engine.new_session()
        true_theta = float(theta)
        while True:
            if timer is None:
                position = session.next_position(selection_rng)
                if position is None:
                    break
                session.record_position(position, pool.draw_response(true_theta, position, uniforms[position]))
            else:
                start = clock()
                position = session.next_position(selection_rng)
                chosen = clock()
                if position is None:
                    timer.select_seconds += chosen - start
                    break
                response = pool.draw_response(true_theta, position, uniforms[position])
                recorded = clock()
                session.record_position(position, response)
                timer.select_seconds += chosen - start
                timer.estimate_seconds += clock() - recorded
                timer.steps += 1
        given[session.administered] += 1
        won[session.administered] += 1
        won[session.set_aside] += 1
        examinees.append(SimulatedExaminee(examinee_id, true_theta, int(true_levels[e]), session.result()))
        selector = engine.config.selector
        if isinstance(selector, ExposureCap):
            # Examinees take the test one after another, each under the counts of those before.
            engine = engine.with_selector(selector.after(session.administered))
    n = max(len(examinees), 1)
    return Simulation(tuple(examinees), summarise(examinees, given / n), given / n, won / n)


def summarise(examinees: Sequence[SimulatedExaminee], exposure: FloatArray) -> SimulationSummary:
    """Recovery and pool-usage figures of a set of simulated tests."""
    errors = np.array([x.result.theta - x.true_theta for x in examinees])
    exact, within_one = accuracy([x.true_level for x in examinees], [x.result.level for x in examinees])
    issues = Counter(issue.code for x in examinees for issue in x.result.issues)
    return SimulationSummary(
        n_examinees=len(examinees),
        rmse=float(np.sqrt(np.mean(errors**2))) if errors.size else math.nan,
        bias=float(np.mean(errors)) if errors.size else math.nan,
        mean_length=float(np.mean([len(x.result.items) for x in examinees])) if examinees else math.nan,
        exact_level_accuracy=exact,
        within_one_level_accuracy=within_one,
        max_exposure=float(exposure.max(initial=0.0)),
        items_used=int(np.count_nonzero(exposure)),
        stop_reasons=dict(Counter(str(x.result.stop_reason) for x in examinees)),
        issues=dict(issues),
    )


def sympson_hetter_target(r_max: float, n_examinees: int, *, calibration_examinees: int | None = None) -> float:
    """The expected exposure to aim at so that observed rates over n examinees stay under r_max.

    Parameters calibrated on the same examinees carry only the sampling error of the n observed
    rates; calibrated on a separate sample of ``calibration_examinees``, they carry that
    sample's error too, and the margin covers both.
    """
    if not 0 < r_max <= 1:
        raise ValueError("the maximum exposure rate must be in (0, 1]")
    inverse_size = 1.0 / max(n_examinees, 1)
    if calibration_examinees is not None:
        inverse_size += 1.0 / max(calibration_examinees, 1)
    margin = EXPOSURE_SAFETY_SDS * math.sqrt(r_max * (1.0 - r_max) * inverse_size)
    return max(r_max - margin, r_max / 2.0)


def calibrate_sympson_hetter(
    engine: CatEngine,
    thetas: ArrayLike,
    *,
    r_max: float = 0.25,
    iterations: int = 12,
    seed: int = 0,
    target: float | None = None,
) -> FloatArray:
    """Sympson-Hetter exposure parameters by iterated simulation (Sympson & Hetter, 1985).

    Each round simulates the population with the current parameters, measures how often each
    item wins selection, P(S), and sets k = target / P(S) where P(S) exceeds the target, 1
    elsewhere; rounds stop once no item is given to more than the target share. A testlet's
    items share one parameter, computed from the testlet's selections. Each round draws
    fresh responses (its own stream), so the parameters are not tuned to one set of draws.
    """
    true_thetas = np.asarray(thetas, dtype=np.float64).reshape(-1)
    aim = target if target is not None else sympson_hetter_target(r_max, true_thetas.size)
    pool = engine.pool
    k = np.ones(pool.size)
    for round_number in range(iterations):
        run = simulate(engine.with_selector(SympsonHetter.of(k)), true_thetas, seed=seed, stream=1 + round_number)
        if run.exposure.max(initial=0.0) <= aim and round_number > 0:
            break
        selected = run.selection
        if pool.has_testlets:
            # A testlet is delivered whole, so its busiest item measures how often it is chosen.
            per_unit = np.array([run.selection[members].max() for members in pool.units])
            selected = per_unit[pool.unit_of]
        k = np.where(selected > aim, aim / np.maximum(selected, 1e-12), 1.0)
    return k
