"""The adaptive engine: a read-only :class:`CatEngine` per test and a cheap :class:`CatSession` per attempt.

The engine precomputes, once, the log probability of every category of every item at every
grid point. A session then keeps the running log-likelihood on the grid and adds one row per
response, so an EAP update costs a few hundred flops whatever the test length, and a web
request can rebuild a session from the stored items and responses in microseconds
(:meth:`CatEngine.resume`) before asking for the next item.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from assessment.psychometrics.cat.constraints import (
    Blueprint,
    CompiledBlueprint,
    ConstraintIssue,
    InfeasibleConstraint,
    compile_blueprint,
    enemy_closure,
)
from assessment.psychometrics.cat.pool import ItemPool
from assessment.psychometrics.cat.selection import NOT_ELIGIBLE, ExposureCap, MaxInfo, Selector, SympsonHetter
from assessment.psychometrics.cat.stopping import StoppingRule
from assessment.psychometrics.estimation import (
    MAP_BOUNDS,
    MLE_BOUNDS,
    NormalPrior,
    QuadratureGrid,
    map_estimate,
    mle,
)
from assessment.psychometrics.levels import LevelKernel, LevelResult, LevelScale, skill_profile
from assessment.psychometrics.models import FloatArray

Estimator = Literal["eap", "map", "mle"]
ESTIMATORS: tuple[Estimator, ...] = ("eap", "map", "mle")
StopReason = Literal["max_items", "se_threshold", "classified", "pool_exhausted"]


class CatStateError(ValueError):
    """A response or a stored history that the test's rules do not allow."""


@dataclass(frozen=True, eq=False)
class CatConfig:
    """How one adaptive test selects, estimates and stops."""

    stopping: StoppingRule = field(default_factory=StoppingRule)
    selector: Selector = field(default_factory=MaxInfo)
    estimator: Estimator = "eap"
    prior: NormalPrior = field(default_factory=NormalPrior)
    scale: LevelScale = field(default_factory=LevelScale)
    blueprint: Blueprint | None = None
    grid: QuadratureGrid | None = None  # defaults to a grid weighted by ``prior``
    mle_bounds: tuple[float, float] = MLE_BOUNDS


@dataclass(frozen=True)
class Step:
    """The engine's answer to "next item?": an item to give, or why the test ends."""

    item_id: str | None
    stop_reason: StopReason | None
    theta: float
    se: float
    set_aside: tuple[str, ...] = ()

    @property
    def done(self) -> bool:
        return self.item_id is None


@dataclass(frozen=True)
class CatResult:
    """Where an adaptive test leaves the candidate."""

    theta: float
    se: float
    method: Estimator
    level: int
    level_probabilities: dict[int, float]
    skills: dict[str, LevelResult]
    items: tuple[str, ...]
    responses: tuple[int, ...]
    stop_reason: StopReason | None
    issues: tuple[ConstraintIssue, ...]
    at_bound: bool = False


def _checked_selector(selector: Selector, pool: ItemPool, stopping: StoppingRule) -> Selector:
    """The selector fitted to the pool; raises ValueError or InfeasibleConstraint when it cannot be."""
    if isinstance(selector, SympsonHetter) and selector.k.size != pool.size:
        raise ValueError(f"{selector.k.size} exposure parameters for a pool of {pool.size} items")
    if isinstance(selector, ExposureCap):
        if selector.given.size != pool.size:
            raise ValueError(f"{selector.given.size} exposure counts for a pool of {pool.size} items")
        if stopping.max_items > selector.r_max * pool.size:
            raise InfeasibleConstraint(
                f"an exposure cap of {selector.r_max} cannot hold for {stopping.max_items}-item tests from "
                f"{pool.size} items: it needs at least {math.ceil(stopping.max_items / selector.r_max)}"
            )
        if pool.has_testlets and selector.unit_of is None:
            return replace(selector, unit_of=pool.unit_of)
    return selector


class CatEngine:
    """A test's pool and rules with everything per-test precomputed; safe to share across requests."""

    def __init__(self, pool: ItemPool, config: CatConfig | None = None) -> None:
        """Raises InfeasibleConstraint when the rules can never be met by this pool."""
        self.pool = pool
        self.config = config or CatConfig()
        stopping = self.config.stopping
        if self.config.estimator not in ESTIMATORS:
            raise ValueError(f"estimator must be one of {', '.join(ESTIMATORS)}")
        if stopping.min_items > pool.size:
            raise InfeasibleConstraint(f"the minimum length {stopping.min_items} exceeds the pool's {pool.size} items")
        selector = _checked_selector(self.config.selector, pool, stopping)
        if selector is not self.config.selector:
            self.config = replace(self.config, selector=selector)
        prior = self.config.prior
        self.grid = self.config.grid or QuadratureGrid.normal(prior.mean, prior.sd)
        self.table = np.ascontiguousarray(pool.category_log_probabilities(self.grid.points))
        self.blueprint: CompiledBlueprint | None = (
            compile_blueprint(pool, self.config.blueprint, stopping.max_items) if self.config.blueprint else None
        )
        self._unit_sizes = np.array([members.size for members in pool.units])
        self._constrained = self.blueprint is not None or pool.has_testlets
        self._points_squared = self.grid.points**2
        lower, upper = self.config.mle_bounds
        self._mle_window = (self.grid.points >= lower) & (self.grid.points <= upper)
        self._zero_loglik = np.zeros(self.grid.points.size)
        classification = stopping.classification
        self._classified = classification.bind(self.grid) if classification is not None else None
        self.level_kernel = LevelKernel(self.config.scale, self.grid)

    def with_selector(self, selector: Selector) -> CatEngine:
        """The same test with another selector, reusing the precomputed tables."""
        clone = object.__new__(CatEngine)
        clone.__dict__.update(self.__dict__)
        clone.config = replace(self.config, selector=_checked_selector(selector, self.pool, self.config.stopping))
        return clone

    def new_session(self) -> CatSession:
        """A fresh attempt, starting at the prior mean."""
        return CatSession(self)

    def resume(self, item_ids: Sequence[str], responses: Sequence[float], set_aside: Sequence[str] = ()) -> CatSession:
        """Rebuild an attempt from its stored history. Raises CatStateError if the history breaks the rules."""
        if len(item_ids) != len(responses):
            raise CatStateError(f"{len(item_ids)} items but {len(responses)} responses")
        session = CatSession(self)
        for item_id in set_aside:
            session.blocked[self.pool.position(item_id)] = True
            session.set_aside.append(self.pool.position(item_id))
        for item_id, response in zip(item_ids, responses, strict=True):
            session.apply(self.pool.position(item_id), int(response))
        session.update_estimate()
        return session


class CatSession:
    """The state of one attempt: what was given, what was answered, and the running posterior."""

    def __init__(self, engine: CatEngine) -> None:
        self.engine = engine
        pool = engine.pool
        self.administered: list[int] = []
        self.responses: list[int] = []
        self.set_aside: list[int] = []
        self.pending: list[int] = []  # rest of a testlet under way
        self.blocked = np.zeros(pool.size, dtype=bool)
        self.counts = np.zeros(len(pool.skill_names), dtype=np.int64)
        self.log_likelihood = engine._zero_loglik.copy()
        self.theta = engine.config.prior.mean
        self.se = engine.config.prior.sd
        self.stop_reason: StopReason | None = None
        self.issues: list[ConstraintIssue] = []
        self._buffers: tuple[FloatArray, FloatArray, FloatArray] | None = None
        self._information_at: tuple[float, int] | None = None

    # The public API speaks item ids; the simulation runner uses the position-based twins.

    def next_item(self, rng: np.random.Generator | None = None) -> Step:
        """The next item to give, or the reason to stop.

        With a randomised selector each call draws afresh: store the item returned (and any
        ``set_aside`` ids) rather than asking again.
        """
        before = len(self.set_aside)
        position = self.next_position(rng or np.random.default_rng())
        ids = self.engine.pool.item_ids
        return Step(
            None if position is None else ids[position],
            self.stop_reason,
            float(self.theta),
            float(self.se),
            tuple(ids[i] for i in self.set_aside[before:]),
        )

    def record(self, item_id: str, response: float) -> None:
        """Add one response and update the ability estimate. Raises CatStateError on a barred item."""
        self.record_position(self.engine.pool.position(item_id), int(response))

    def next_position(self, rng: np.random.Generator) -> int | None:
        """Pool position of the next item, or None once the test is over (see ``stop_reason``)."""
        if self.pending:
            return self.pending[0]
        reason = self._stop_reason()
        if reason is not None:
            self.stop_reason = reason
            return None
        choice = self.engine.config.selector.choose(self._scores(), rng)
        if choice.set_aside:
            self.set_aside.extend(choice.set_aside)
            self.blocked[list(choice.set_aside)] = True
        if choice.item is None:
            self.stop_reason = "pool_exhausted"
            return None
        pool = self.engine.pool
        members = pool.units[pool.unit_of[choice.item]]
        return int(members[0]) if members.size > 1 else choice.item

    def record_position(self, position: int, response: int) -> None:
        """Add one response by pool position and update the estimate."""
        self.apply(position, response)
        self.update_estimate()

    def apply(self, position: int, response: int) -> None:
        """Add one response to the state without re-estimating (for rebuilding a history)."""
        engine = self.engine
        pool = engine.pool
        if self.pending and position not in self.pending:
            raise CatStateError(f"item {pool.item_ids[position]!r} given while a testlet is under way")
        if self.blocked[position] and position not in self.pending:
            raise CatStateError(f"item {pool.item_ids[position]!r} is already used, set aside or an enemy's")
        if not 0 <= response < pool.categories[position]:
            raise CatStateError(f"response {response} is not a category of item {pool.item_ids[position]!r}")
        self.log_likelihood += engine.table[position, response]
        self.administered.append(position)
        self.responses.append(response)
        self.blocked[position] = True
        skill = pool.skill_of[position]
        if skill >= 0:
            self.counts[skill] += 1
        closure = enemy_closure(pool, position)
        if closure is not None:
            self.blocked[closure] = True
        if self.pending:
            self.pending.remove(position)
        else:
            members = pool.units[pool.unit_of[position]]
            if members.size > 1:
                self.blocked[members] = True
                self.pending = [int(m) for m in members if m != position]

    def update_estimate(self) -> None:
        """Re-estimate ability from the running log-likelihood (interim estimate for selection)."""
        engine = self.engine
        estimator = engine.config.estimator
        if estimator == "map" and self.administered:
            self.theta, self.se = self._mode(prior=engine.config.prior)
        elif estimator == "mle" and self._mle_exists():
            self.theta, self.se = self._mode(prior=None)
        else:
            # EAP; also MLE's interim estimate until the responses identify a finite maximum.
            points = engine.grid.points
            log_post = self.log_likelihood + engine.grid.log_prior
            weights = np.exp(log_post - log_post.max())
            total = weights.sum()
            mean = weights.dot(points) / total
            self.theta = float(mean)
            self.se = float(np.sqrt(max(weights.dot(engine._points_squared) / total - mean * mean, 0.0)))

    def result(self) -> CatResult:
        """Final (or interim) estimate, level, level probabilities and per-skill profile."""
        engine = self.engine
        config = engine.config
        pool = engine.pool
        theta, se, at_bound = self.theta, self.se, False
        if self.administered and config.estimator != "eap":
            items = pool.item_set(self.administered)
            responses = np.asarray(self.responses, dtype=np.float64)
            if config.estimator == "map":
                estimate = map_estimate(items, responses, config.prior)
            else:
                estimate = mle(items, responses, bounds=config.mle_bounds)
            theta, se, at_bound = float(estimate.theta), float(estimate.se), bool(estimate.at_bound)
        scale = config.scale
        probabilities = engine.level_kernel(self.log_likelihood)
        return CatResult(
            theta=float(theta),
            se=float(se),
            method=config.estimator,
            level=int(scale.level_of(theta)),
            level_probabilities={level: float(p) for level, p in zip(scale.levels, probabilities, strict=True)},
            skills=self._skills(),
            items=tuple(pool.item_ids[i] for i in self.administered),
            responses=tuple(self.responses),
            stop_reason=self.stop_reason,
            issues=tuple(self.issues + self._final_issues()),
            at_bound=at_bound,
        )

    def _stop_reason(self) -> StopReason | None:
        engine = self.engine
        rule = engine.config.stopping
        n = len(self.administered)
        if n >= rule.max_items:
            return "max_items"
        if n < rule.min_items:
            return None
        if engine.blueprint is not None and np.any(self.counts < engine.blueprint.minimum):
            return None
        if rule.se_threshold is not None and self.se <= rule.se_threshold:
            return "se_threshold"
        if engine._classified is not None and engine._classified(
            self.log_likelihood, self.theta, self.se, lambda: self._future_information(rule.max_items - n)
        ):
            return "classified"
        return None

    def _information(self) -> FloatArray:
        """Information of every item at the current estimate, -inf where used or barred.

        Kept from the stop check to the selection of the same step (the selector may then
        overwrite it), so a classification stop that needs it does not cost a second pass.
        """
        engine = self.engine
        pool = engine.pool
        if self._buffers is None:
            self._buffers = (np.empty(pool.size), np.empty(pool.size), np.empty(pool.size))
        if self._information_at != (self.theta, len(self.administered)):
            information = pool.information_into(self.theta, *self._buffers)
            np.putmask(information, self.blocked, NOT_ELIGIBLE)
            self._information_at = (self.theta, len(self.administered))
        return self._buffers[0]

    def _future_information(self, remaining: int) -> float:
        """Information the remaining items can add: the most informative eligible ones at the estimate."""
        information = self._information()
        count = min(remaining, information.size)
        if count <= 0:
            return 0.0
        best = np.partition(information, information.size - count)[-count:]
        return float(best[best > 0].sum())

    def _scores(self) -> FloatArray:
        engine = self.engine
        pool = engine.pool
        scores = self._information()
        self._information_at = None  # the selector and the constraints below write into it
        if not engine._constrained:
            return scores
        remaining = engine.config.stopping.max_items - len(self.administered)
        if engine.blueprint is None:
            hard, soft = engine._unit_sizes > remaining, None
        else:
            hard, soft = engine.blueprint.blocked_units(self.counts, remaining)
        if hard.any():
            np.putmask(scores, hard[pool.unit_of], NOT_ELIGIBLE)
        if soft is not None and soft.any():
            steered = np.where(soft[pool.unit_of], NOT_ELIGIBLE, scores)
            if np.any(steered > NOT_ELIGIBLE):
                return steered
            if not any(issue.code == "quota_relaxed" for issue in self.issues):
                shortfalls = "; ".join(engine.blueprint.shortfalls(self.counts)) if engine.blueprint else ""
                self.issues.append(
                    ConstraintIssue(
                        "quota_relaxed",
                        f"no eligible item can still meet the skill minimums ({shortfalls}); "
                        "selection continued without them",
                    )
                )
        return scores

    def _mle_exists(self) -> bool:
        # A finite interior maximum needs a response above the lowest and one below the highest
        # category; until then MLE diverges and the interim estimate is the EAP.
        if not self.administered:
            return False
        responses = np.asarray(self.responses)
        top = self.engine.pool.categories[self.administered] - 1
        return bool(np.any(responses > 0) and np.any(responses < top))

    def _mode(self, prior: NormalPrior | None) -> tuple[float, float]:
        engine = self.engine
        grid = engine.grid
        if prior is None:
            objective = np.where(engine._mle_window, self.log_likelihood, -np.inf)
            bounds = engine.config.mle_bounds
        else:
            objective = self.log_likelihood + grid.log_prior
            bounds = MAP_BOUNDS
        # Interim estimate: the vertex of a parabola through the best grid point and its
        # neighbours, polished by one Newton step (the final result iterates to convergence).
        h = grid.spacing
        j = min(max(int(np.argmax(objective)), 1), grid.points.size - 2)
        left, mid, right = objective[j - 1], objective[j], objective[j + 1]
        bend = left - 2.0 * mid + right
        offset = 0.5 * (left - right) / bend * h if np.isfinite(bend) and bend < 0 else 0.0
        start = np.clip(grid.points[j] + np.clip(offset, -h, h), *bounds)
        items = engine.pool.item_set(self.administered)
        responses = np.asarray(self.responses, dtype=np.float64)[np.newaxis, :]
        first, second, information = items.derivatives(np.array([start]), responses)
        precision = 0.0
        if prior is not None:
            precision = 1.0 / prior.sd**2
            first = first - (start - prior.mean) * precision
            second = second - precision
        total = float(information[0]) + precision
        curvature = -float(second[0]) if second[0] < 0 else total
        step = float(np.clip(float(first[0]) / max(curvature, 1e-12), -h, h))
        theta = float(np.clip(start + step, *bounds))
        return theta, (1.0 / np.sqrt(total) if total > 0 else float("inf"))

    def _skills(self) -> dict[str, LevelResult]:
        pool = self.engine.pool
        if not pool.skill_names or not self.administered:
            return {}
        administered = np.asarray(self.administered)
        responses = np.asarray(self.responses)
        skills = pool.skill_of[administered]
        by_skill = {}
        counts = {}
        for s, name in enumerate(pool.skill_names):
            mine = skills == s
            if mine.any():
                by_skill[name] = self.engine.table[administered[mine], responses[mine]].sum(axis=0)
                counts[name] = int(mine.sum())
        return skill_profile(self.engine.config.scale, self.engine.grid, by_skill, counts)

    def _final_issues(self) -> list[ConstraintIssue]:
        if self.stop_reason is None:
            return []
        engine = self.engine
        issues = []
        n = len(self.administered)
        if n < engine.config.stopping.min_items:
            issues.append(
                ConstraintIssue(
                    "min_length_unmet",
                    f"the test ended after {n} items, under its minimum of {engine.config.stopping.min_items}: "
                    "no eligible item was left",
                )
            )
        if engine.blueprint is not None:
            shortfalls = engine.blueprint.shortfalls(self.counts)
            if shortfalls:
                issues.append(ConstraintIssue("quota_unmet", "skill minimums not met: " + "; ".join(shortfalls)))
        return issues
