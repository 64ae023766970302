"""LevelPath's MML calibration against girth 0.8 on the same response data, in one run.

1. Dense 2PL: 200 items × 20,000 persons (seeded; a ~ U(0.7, 2.0), b ~ N(0, 1), θ ~ N(0, 1)).
   girth.twopl_mml runs with its defaults (41 Gauss-Legendre points on ±4.5; it stops when no
   slope moves more than 1e-3, or after 25 iterations). LevelPath runs twice on the same matrix:
   like for like (no prior, stop when no a or b moves more than 1e-3, estimates only), and as
   shipped (the CLI's defaults: weak log-a prior, tolerance 1e-4, plus standard errors and item
   fit). Both LevelPath times include building the response container from the matrix. The
   speed goal is checked on the as-shipped run, the slower of the two.
2. Sparse adaptive data: a 1,000-item bank, 20,000 persons each answering 30 items chosen by a
   simple adaptive test (one of the 50 unused items nearest in difficulty to the running EAP, at
   random); the correlation of the estimates with the generating a and b, and the time.

Goals (issue 3): the 2PL calibration at least 10× faster than girth with RMSE(a) and RMSE(b) no
worse than girth's + 0.005; sparse b recovered with correlation >= 0.95.

Run: ``.venv/bin/python bench/calibration_vs_girth.py [--quick]`` (needs the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass

import numpy as np

from assessment.psychometrics.calibration import Priors, ResponseData, calibrate

GOAL_SPEEDUP = 10.0
GOAL_RMSE_MARGIN = 0.005
GOAL_SPARSE_CORRELATION = 0.95
SEED = 20261123


@dataclass(frozen=True)
class Run:
    seconds: float
    rmse_a: float
    rmse_b: float


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(estimate) - truth) ** 2)))


def dense_2pl(n_items: int, n_persons: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng([SEED, n_items, n_persons])
    a, b = rng.uniform(0.7, 2.0, n_items), rng.normal(0.0, 1.0, n_items)
    theta = rng.normal(0.0, 1.0, n_persons)
    p = 1.0 / (1.0 + np.exp(-a * (theta[:, np.newaxis] - b)))
    return (rng.random(p.shape) < p).astype(np.int8), a, b


def adaptive_2pl(
    n_items: int, n_persons: int, length: int, pick_from: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Long-form responses of a difficulty-matched randomesque adaptive test (EAP on a grid)."""
    rng = np.random.default_rng([SEED, n_items, n_persons, length])
    a, b = rng.uniform(0.7, 2.0, n_items), rng.normal(0.0, 1.0, n_items)
    theta = rng.normal(0.0, 1.0, n_persons)
    grid = np.linspace(-5.0, 5.0, 41)
    log_post = np.tile(-0.5 * grid**2, (n_persons, 1))
    used = np.zeros((n_persons, n_items), dtype=bool)
    rows = np.arange(n_persons)
    persons, items, scores = [], [], []
    for _ in range(length):
        post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
        eap = (post @ grid) / post.sum(axis=1)
        distance = np.where(used, np.inf, np.abs(b - eap[:, np.newaxis]))
        nearest = np.argpartition(distance, pick_from, axis=1)[:, :pick_from]
        item = nearest[rows, rng.integers(0, pick_from, n_persons)]
        score = (rng.random(n_persons) < 1.0 / (1.0 + np.exp(-a[item] * (theta - b[item])))).astype(np.int8)
        right = 1.0 / (1.0 + np.exp(-a[item] * (grid[:, np.newaxis] - b[item])))
        log_post += np.where(score == 1, np.log(right), np.log1p(-right)).T
        used[rows, item] = True
        persons.append(rows)
        items.append(item)
        scores.append(score)
    return np.concatenate(persons), np.concatenate(items), np.concatenate(scores), a, b


def run_girth(matrix: np.ndarray, a: np.ndarray, b: np.ndarray) -> Run:
    import girth

    dataset = np.ascontiguousarray(matrix.T, dtype=np.int64)  # girth wants an int items × persons array
    start = time.perf_counter()
    result = girth.twopl_mml(dataset)
    seconds = time.perf_counter() - start
    return Run(seconds, rmse(result["Discrimination"], a), rmse(result["Difficulty"], b))


def run_levelpath(matrix: np.ndarray, a: np.ndarray, b: np.ndarray, *, shipped: bool) -> tuple[Run, int]:
    start = time.perf_counter()
    data = ResponseData.from_matrix(matrix)
    if shipped:
        result = calibrate(data, "2pl")
    else:
        result = calibrate(data, "2pl", priors=Priors(), tol=1e-3, with_standard_errors=False, with_fit=False)
    seconds = time.perf_counter() - start
    return Run(seconds, rmse(result.column("a"), a), rmse(result.column("b"), b)), result.iterations


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 × 5,000 dense and 300-item × 5,000 sparse")
    parser.add_argument("--skip-girth", action="store_true", help="time LevelPath only")
    args = parser.parse_args(argv)
    n_items, n_persons = (50, 5_000) if args.quick else (200, 20_000)
    bank, takers = (300, 5_000) if args.quick else (1_000, 20_000)

    print(f"== 2PL calibration, {n_items} items × {n_persons:,} persons (dense, seed {SEED}) ==")
    matrix, a, b = dense_2pl(n_items, n_persons)
    fair, fair_iterations = run_levelpath(matrix, a, b, shipped=False)
    shipped, shipped_iterations = run_levelpath(matrix, a, b, shipped=True)
    print(f"LevelPath like for like   {fair.seconds:8.2f} s  RMSE a {fair.rmse_a:.4f}  b {fair.rmse_b:.4f}"
          f"  ({fair_iterations} EM iterations, tol 1e-3, no prior, estimates only)")
    print(f"LevelPath as shipped      {shipped.seconds:8.2f} s  RMSE a {shipped.rmse_a:.4f}  b {shipped.rmse_b:.4f}"
          f"  ({shipped_iterations} EM iterations, tol 1e-4, with SEs and item fit)")
    met = True
    if not args.skip_girth:
        theirs = run_girth(matrix, a, b)
        print(f"girth twopl_mml           {theirs.seconds:8.2f} s  RMSE a {theirs.rmse_a:.4f}  b {theirs.rmse_b:.4f}"
              "  (defaults)")
        speedup = theirs.seconds / shipped.seconds
        print(f"speed-up vs girth: {speedup:.1f}× as shipped, {theirs.seconds / fair.seconds:.1f}× like for like"
              f" (goal >= {GOAL_SPEEDUP:.0f}×): {verdict(speedup >= GOAL_SPEEDUP)}")
        accurate = (shipped.rmse_a <= theirs.rmse_a + GOAL_RMSE_MARGIN
                    and shipped.rmse_b <= theirs.rmse_b + GOAL_RMSE_MARGIN)
        print(f"RMSE vs girth: a {shipped.rmse_a - theirs.rmse_a:+.4f}, b {shipped.rmse_b - theirs.rmse_b:+.4f}"
              f" (goal <= +{GOAL_RMSE_MARGIN}): {verdict(accurate)}")
        met = speedup >= GOAL_SPEEDUP and accurate

    print(f"\n== sparse adaptive data: {bank:,}-item bank, {takers:,} persons × 30 items ==")
    persons, items, scores, a, b = adaptive_2pl(bank, takers, length=30, pick_from=50)
    start = time.perf_counter()
    data = ResponseData.from_long(persons, items, scores, items=range(bank))
    result = calibrate(data, "2pl")
    seconds = time.perf_counter() - start
    correlation_b = float(np.corrcoef(result.column("b"), b)[0, 1])
    correlation_a = float(np.corrcoef(result.column("a"), a)[0, 1])
    per_item = data.responses_per_item
    print(f"LevelPath {seconds:.2f} s ({result.iterations} EM iterations, with SEs and item fit);"
          f" responses per item {per_item.min()}-{per_item.max()} (median {int(np.median(per_item))})")
    print(f"correlation b {correlation_b:.4f}, a {correlation_a:.4f}; RMSE b {rmse(result.column('b'), b):.4f},"
          f" a {rmse(result.column('a'), a):.4f}")
    print(f"sparse goal (correlation b >= {GOAL_SPARSE_CORRELATION}): "
          f"{verdict(correlation_b >= GOAL_SPARSE_CORRELATION)}")
    met = met and correlation_b >= GOAL_SPARSE_CORRELATION
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
