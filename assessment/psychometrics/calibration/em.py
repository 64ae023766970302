"""Bock-Aitkin EM: posterior weights of each person on the grid, expected counts, M-step, repeat.

The E-step never forms a persons × items matrix of probabilities: a person's log-likelihood
over the grid is the product of their indicator row with a (categories × grid) table of log
probabilities, and the expected counts are the transposed product with the posterior. Both are
matrix products over the observed responses only (BLAS for dense data, sparse products for
adaptive-test data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize_scalar

from assessment.psychometrics.calibration.data import Chunk, Design, ResponseData
from assessment.psychometrics.calibration.quadrature import Population, Quadrature
from assessment.psychometrics.models import FloatArray

# Person blocks whose gathered pair values exceed this many numbers are split further.
GATHER_CELLS = 1 << 22

ProgressCallback = Callable[[int, float], None]


class ItemModel(Protocol):
    """What the EM needs from a set of items being calibrated."""

    @property
    def n_categories(self) -> NDArray[np.intp]: ...

    def log_probabilities(self, theta: FloatArray) -> FloatArray:
        """log P(category k) of each item at each ability, ``(m, K, Q)``."""
        ...

    def maximize(self, counts: FloatArray, theta: FloatArray) -> None:
        """Update the free parameters from expected counts ``(m, K, Q)``."""
        ...

    def parameter_vector(self) -> FloatArray: ...

    def rescale(self, shift: float, scale: float) -> None:
        """Re-express the free items for abilities θ' with θ = shift + scale·θ'."""
        ...

    def slope_log_prior(self, scale: float) -> float:
        """Log-prior of the free slopes if they were multiplied by ``scale``."""
        ...


@dataclass(frozen=True)
class EStep:
    log_likelihood: float
    counts: FloatArray  # (m, K, Q) expected responses in each category at each point
    mass: FloatArray  # (Q,) expected number of persons at each point


@dataclass(frozen=True)
class EMOutcome:
    log_likelihood: float
    iterations: int
    converged: bool
    population: Population


def _tables(design: Design, log_p: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(non-zero category - category 0) log-probability rows, and the category-0 rows."""
    base = log_p[:, 0, :]
    upper = log_p[design.upper_item, design.upper_category, :] - base[design.upper_item]
    return upper, base


def posteriors(
    design: Design, log_p: FloatArray, log_weights: FloatArray
) -> Iterator[tuple[Chunk, FloatArray, FloatArray]]:
    """Each block of persons with its posterior over the grid and its log marginal likelihoods."""
    upper, base = _tables(design, log_p)
    base_total = base.sum(axis=0)
    for chunk in design.chunks:
        log_post = chunk.upper @ upper
        log_post += base_total if chunk.observed is None else chunk.observed @ base
        log_post += log_weights
        peak = log_post.max(axis=1, keepdims=True)
        post = np.exp(log_post - peak)
        total = post.sum(axis=1, keepdims=True)
        post /= total
        yield chunk, post, (peak + np.log(total))[:, 0]


def e_step(design: Design, log_p: FloatArray, log_weights: FloatArray) -> EStep:
    """Expected category counts at each grid point, and the marginal log-likelihood."""
    m, width, n_points = log_p.shape
    upper_counts = np.zeros((design.upper_item.size, n_points))
    totals = np.zeros((m, n_points))
    mass = np.zeros(n_points)
    log_likelihood = 0.0
    for chunk, post, marginal in posteriors(design, log_p, log_weights):
        upper_counts += chunk.upper_t @ post
        chunk_mass = post.sum(axis=0)
        mass += chunk_mass
        totals += chunk_mass if chunk.observed_t is None else chunk.observed_t @ post
        log_likelihood += float(marginal.sum())
    counts = np.zeros((m, width, n_points))
    counts[design.upper_item, design.upper_category] = upper_counts
    counts[:, 0] = totals - counts[:, 1:].sum(axis=1)
    np.maximum(counts, 0.0, out=counts)  # rounding can leave -1e-13 in category 0
    return EStep(log_likelihood, counts, mass)


def marginal_log_likelihood(
    data: ResponseData, items: ItemModel, quadrature: Quadrature, population: Population | None = None
) -> float:
    """log of the product over persons of the integral of their likelihood over the population."""
    design = data.design(items.n_categories)
    log_p = items.log_probabilities(quadrature.abilities(population or Population()))
    return sum(float(marginal.sum()) for _, _, marginal in posteriors(design, log_p, quadrature.log_weights))


def pair_values(design: Design, data: ResponseData, chunk: Chunk, post: FloatArray, table: FloatArray) -> FloatArray:
    """Posterior integral of ``table[column]`` for each observed pair of the block.

    ``table`` has shape ``(columns, Q, R)`` over the full one-hot columns (item offset + score);
    the result has one row of R values per response of the block, in data order.
    """
    if isinstance(chunk.upper, np.ndarray):
        return _pair_values_dense(design, chunk, post, table)
    columns, n_points, width = table.shape
    flat = table.transpose(1, 0, 2).reshape(n_points, columns * width)
    out = np.empty((chunk.pairs.stop - chunk.pairs.start, width))
    step = max(1, GATHER_CELLS // (columns * width))
    starts = data.person_starts
    for first in range(chunk.persons.start, chunk.persons.stop, step):
        last = min(first + step, chunk.persons.stop)
        pairs = slice(int(starts[first]), int(starts[last]))
        product = post[first - chunk.persons.start : last - chunk.persons.start] @ flat
        product = product.reshape(last - first, columns, width)
        out[pairs.start - chunk.pairs.start : pairs.stop - chunk.pairs.start] = product[
            data.person[pairs] - first, design.pair_column[pairs]
        ]
    return out


def _pair_values_dense(design: Design, chunk: Chunk, post: FloatArray, table: FloatArray) -> FloatArray:
    """The same for dense indicators, without gathering: the integral over category 0, plus for
    each response above 0 the difference to its category, in persons × items layout."""
    m = design.n_categories.size
    n_points, width = table.shape[1], table.shape[2]
    base = table[design.base_column]  # (m, Q, R)
    upper = table[design.base_column[design.upper_item] + design.upper_category] - base[design.upper_item]
    base_flat = base.transpose(1, 0, 2).reshape(n_points, -1)
    upper_flat = upper.transpose(1, 0, 2).reshape(n_points, -1)
    cells = np.empty((post.shape[0], m, width))
    step = max(1, GATHER_CELLS // (design.upper_item.size * width))
    for first in range(0, post.shape[0], step):
        rows = slice(first, min(first + step, post.shape[0]))
        above = (post[rows] @ upper_flat).reshape(-1, design.upper_item.size, width)
        above *= chunk.upper[rows, :, np.newaxis]
        cells[rows] = (post[rows] @ base_flat).reshape(-1, m, width)
        if design.upper_item.size == m:
            cells[rows] += above
        else:
            cells[rows] += np.add.reduceat(above, design.base_column - np.arange(m), axis=1)
    if chunk.observed is None:
        return cells.reshape(-1, width)
    return cells[chunk.observed > 0]


def run_em(
    design: Design,
    items: ItemModel,
    quadrature: Quadrature,
    *,
    population: Population,
    estimate_mean: bool,
    estimate_sd: bool,
    max_iter: int,
    tol: float,
    progress: ProgressCallback | None = None,
) -> EMOutcome:
    """Iterate until no estimated parameter (nor the population mean/SD) moves more than ``tol``.

    The population is N(mean, sd) on the grid's scale; it is estimated only where the model
    leaves it free (the Rasch model's SD, both moments once anchors fix the scale). A moment
    held fixed for identification is expanded instead (PX-EM, Liu, Rubin & Wu 1998): it is
    estimated as if free and then absorbed into the items, which returns the population to its
    fixed value. Plain EM creeps along that direction (all slopes up, all difficulties in) at a
    rate near 0.94 per iteration; the expansion removes most of that without moving the optimum.
    """
    log_weights = quadrature.log_weights
    z = quadrature.points
    log_likelihood = -np.inf
    for iteration in range(1, max_iter + 1):
        theta = quadrature.abilities(population)
        before = np.concatenate([items.parameter_vector(), [population.mean, population.sd]])
        step = e_step(design, items.log_probabilities(theta), log_weights)
        log_likelihood = step.log_likelihood
        items.maximize(step.counts, theta)
        population = _update_population(population, step.mass, z, estimate_mean, estimate_sd)
        _expand(items, population, step.mass, z, expand_mean=not estimate_mean, expand_sd=not estimate_sd)
        after = np.concatenate([items.parameter_vector(), [population.mean, population.sd]])
        change = float(np.nanmax(np.abs(after - before), initial=0.0))
        if progress is not None:
            progress(iteration, change)
        if change < tol:
            return EMOutcome(log_likelihood, iteration, True, population)
    return EMOutcome(log_likelihood, max_iter, False, population)


def _moments(mass: FloatArray, z: FloatArray) -> tuple[float, float]:
    share = mass / mass.sum()
    mean = float(share @ z)
    return mean, float(share @ (z - mean) ** 2)


def _update_population(
    population: Population, mass: FloatArray, z: FloatArray, estimate_mean: bool, estimate_sd: bool
) -> Population:
    """Normal-population M-step: the posterior mean and SD of ability over all persons."""
    if not (estimate_mean or estimate_sd):
        return population
    mean_z, variance_z = _moments(mass, z)
    if not estimate_mean:
        variance_z += mean_z**2  # spread around the fixed mean
        mean_z = 0.0
    sd_z = float(np.sqrt(variance_z)) if estimate_sd else 1.0
    return Population(population.mean + population.sd * mean_z, population.sd * sd_z)


def _expand(
    items: ItemModel, population: Population, mass: FloatArray, z: FloatArray, *, expand_mean: bool, expand_sd: bool
) -> None:
    """The PX-EM step: estimate the fixed moments as if free, then fold them into the items.

    The SD is the maximiser of the population's expected log-density plus the slopes' log-prior
    at the rescaled slopes, so that the expanded step still increases the log-posterior and has
    the same fixed point as plain EM.
    """
    if not (expand_mean or expand_sd):
        return
    mean_z, variance_z = _moments(mass, z)
    if not expand_mean:
        variance_z += mean_z**2
        mean_z = 0.0
    scale = 1.0
    if expand_sd:
        persons = float(mass.sum())

        def minus_objective(log_scale: float) -> float:
            kappa = np.exp(log_scale)
            return persons * (log_scale + 0.5 * variance_z / kappa**2) - items.slope_log_prior(kappa)

        log_sd = 0.5 * np.log(variance_z)
        scale = float(np.exp(minimize_scalar(minus_objective, bracket=(log_sd - 0.1, log_sd + 0.1)).x))
    shift_z = mean_z if expand_mean else 0.0
    # θ = mean + sd·(shift_z + scale·z') keeps θ' = mean + sd·z' on the fixed population.
    shift = population.mean + population.sd * shift_z - scale * population.mean
    items.rescale(shift, scale)
