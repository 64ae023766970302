"""The EM against brute force: integrals, expected counts, M-steps, the optimum, and girth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import roots_legendre
from scipy.stats import norm

from assessment.psychometrics.calibration import ItemParameters, Population, Priors, Quadrature, ResponseData, calibrate
from assessment.psychometrics.calibration.dichotomous import DichotomousItems
from assessment.psychometrics.calibration.em import e_step, marginal_log_likelihood
from assessment.psychometrics.calibration.gpcm import PartialCreditItems
from assessment.psychometrics.models import prob_3pl, prob_gpcm


def simulate_3pl(rng: np.random.Generator, a, b, c, theta) -> np.ndarray:
    p = prob_3pl(theta, a, b, c)
    return (rng.random(p.shape) < p).astype(float)


def simulate_gpcm(rng: np.random.Generator, a, steps, theta) -> np.ndarray:
    p = prob_gpcm(theta, a, steps)
    return (rng.random((*p.shape[:-1], 1)) > p.cumsum(axis=-1)).sum(axis=-1).astype(float)


def dichotomous(a, b, c=None, model: str = "3pl", priors: Priors | None = None) -> DichotomousItems:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    c = np.zeros_like(a) if c is None else np.asarray(c, dtype=float)
    return DichotomousItems(model, a.copy(), -a * b, c.copy(), np.zeros(a.size, dtype=bool), priors or Priors())


def brute_force_log_likelihood(matrix: np.ndarray, probability, theta: np.ndarray, weights: np.ndarray) -> float:
    """Σ_persons log Σ_points w Π_answered P(x | θ); ``probability(theta)`` gives (Q, m, K)."""
    p = probability(theta)
    answered = ~np.isnan(matrix)
    scores = np.where(answered, matrix, 0).astype(int)
    chosen = p[:, np.arange(matrix.shape[1]), scores]  # (Q, persons, items)
    likelihood = np.where(answered, chosen, 1.0).prod(axis=2)
    return float(np.log(weights @ likelihood).sum())


def three_pl_categories(a, b, c):
    def probability(theta: np.ndarray) -> np.ndarray:
        right = prob_3pl(theta, a, b, c)
        return np.stack([1 - right, right], axis=-1)

    return probability


# --- integrals and expected counts -------------------------------------------------------------


def test_marginal_likelihood_matches_adaptive_quadrature() -> None:
    rng = np.random.default_rng(11)
    a, b, c = np.array([0.8, 1.6, 2.2, 1.1]), np.array([-1.0, 0.2, 0.9, 1.8]), np.array([0.0, 0.2, 0.1, 0.25])
    matrix = simulate_3pl(rng, a, b, c, rng.normal(size=6))
    matrix[1, 2] = matrix[4, 0] = np.nan

    expected = 0.0
    for row in matrix:
        answered = ~np.isnan(row)

        def integrand(t: float, row=row, answered=answered) -> float:
            p = prob_3pl(t, a[answered], b[answered], c[answered])
            return float(np.prod(np.where(row[answered] == 1, p, 1 - p)) * norm.pdf(t))

        expected += np.log(integrate.quad(integrand, -15, 15, epsabs=1e-13, epsrel=1e-12)[0])

    fine = Quadrature.normal(201, 9.0)
    got = marginal_log_likelihood(ResponseData.from_matrix(matrix), dichotomous(a, b, c), fine)
    assert got == pytest.approx(expected, rel=1e-9)


def test_gpcm_marginal_likelihood_matches_adaptive_quadrature_on_a_shifted_population() -> None:
    rng = np.random.default_rng(12)
    a, steps = np.array([0.9, 1.7]), np.array([[-1.0, 0.0, 1.2], [-0.5, 0.6, np.nan]])
    matrix = simulate_gpcm(rng, a, steps, rng.normal(size=5))
    population = Population(mean=0.4, sd=1.3)

    expected = 0.0
    for row in matrix:

        def integrand(t: float, row=row) -> float:
            p = prob_gpcm(t, a, steps)
            return float(p[0, int(row[0])] * p[1, int(row[1])] * norm.pdf(t, 0.4, 1.3))

        expected += np.log(integrate.quad(integrand, -15, 15, epsabs=1e-13, epsrel=1e-12)[0])

    items = PartialCreditItems.start(
        "gpcm", np.ones((2, 4), dtype=np.intp), np.array([4, 3]),
        anchors={0: (0.9, [-1.0, 0.0, 1.2]), 1: (1.7, [-0.5, 0.6])}, priors=Priors(),
    )
    got = marginal_log_likelihood(ResponseData.from_matrix(matrix), items, Quadrature.normal(201, 9.0), population)
    assert got == pytest.approx(expected, rel=1e-9)


def test_expected_counts_are_posterior_weighted_category_indicators() -> None:
    rng = np.random.default_rng(13)
    a, b, c = rng.uniform(0.6, 2.0, 5), rng.normal(size=5), np.full(5, 0.15)
    matrix = simulate_3pl(rng, a, b, c, rng.normal(size=40))
    matrix[rng.random(matrix.shape) < 0.35] = np.nan
    data = ResponseData.from_matrix(matrix)
    quadrature = Quadrature.normal(15, 4.0)
    theta = quadrature.points
    p = three_pl_categories(a, b, c)(theta)  # (Q, m, 2)

    counts = np.zeros((5, 2, theta.size))
    for row in data.to_matrix():
        answered = np.flatnonzero(~np.isnan(row))
        likelihood = np.prod([p[:, i, int(row[i])] for i in answered], axis=0) * quadrature.weights
        posterior = likelihood / likelihood.sum()
        for i in answered:
            counts[i, int(row[i])] += posterior

    step = e_step(data.design(np.full(5, 2)), dichotomous(a, b, c).log_probabilities(theta), quadrature.log_weights)
    np.testing.assert_allclose(step.counts, counts, atol=1e-12)
    assert step.mass.sum() == pytest.approx(data.n_persons)


# --- M-steps ----------------------------------------------------------------------------------


def _counts(rng: np.random.Generator, p_right: np.ndarray, n: np.ndarray) -> np.ndarray:
    right = rng.binomial(n.astype(int), p_right).astype(float)
    return np.stack([n - right, right], axis=1)


@pytest.mark.parametrize(
    ("model", "priors"),
    [("2pl", Priors()), ("2pl", Priors(log_a=(0.2, 0.3))), ("3pl", Priors(log_a=(0.0, 0.5), c=(5.0, 17.0)))],
)
def test_dichotomous_m_step_maximises_the_expected_log_posterior(model: str, priors: Priors) -> None:
    rng = np.random.default_rng(21)
    theta = np.linspace(-4, 4, 17)
    a, b, c = np.array([0.7, 1.4, 2.1]), np.array([-0.8, 0.3, 1.1]), np.array([0.2, 0.1, 0.25])
    counts = _counts(rng, prob_3pl(theta, a, b, c if model == "3pl" else 0.0).T, np.full((3, 17), 60.0))
    items = DichotomousItems.start(model, counts.sum(axis=2).astype(np.intp), anchors={}, priors=priors)
    items.maximize(counts, theta)

    for i in range(3):

        def minus(params: np.ndarray, i=i) -> float:
            a_, b_, c_ = params if model == "3pl" else (*params, 0.0)
            if a_ <= 0 or not 0 <= c_ < 1:
                return np.inf
            p = prob_3pl(theta, [a_], [b_], [c_])[:, 0]
            value = counts[i, 1] @ np.log(p) + counts[i, 0] @ np.log1p(-p)
            if priors.log_a:
                value -= 0.5 * ((np.log(a_) - priors.log_a[0]) / priors.log_a[1]) ** 2
            if priors.c:
                value += (priors.c[0] - 1) * np.log(c_) + (priors.c[1] - 1) * np.log1p(-c_)
            return -value

        start = [1.0, 0.0, 0.2][: 3 if model == "3pl" else 2]
        best = optimize.minimize(minus, start, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12,
                                                                                "maxiter": 20000})
        got = [items.a[i], items.b[i], items.c[i]][: len(start)]
        np.testing.assert_allclose(got, best.x, atol=2e-4)
        assert minus(np.array(got)) <= best.fun + 1e-7


def test_gpcm_m_step_maximises_the_expected_log_likelihood() -> None:
    rng = np.random.default_rng(22)
    theta = np.linspace(-4, 4, 17)
    a, steps = np.array([0.8, 1.6]), np.array([[-1.0, 0.2, 1.0], [-0.3, 0.7, np.nan]])
    p = prob_gpcm(theta, a, steps)  # (Q, m, K)
    counts = np.stack([rng.multinomial(80, p[q, i]) for i in range(2) for q in range(17)]).reshape(2, 17, 4)
    counts = counts.transpose(0, 2, 1).astype(float)
    items = PartialCreditItems.start("gpcm", counts.sum(axis=2).astype(np.intp), np.array([4, 3]), anchors={},
                                     priors=Priors())
    items.maximize(counts, theta)

    for i, k in [(0, 4), (1, 3)]:

        def minus(params: np.ndarray, i=i, k=k) -> float:
            padded = np.full((1, 3), np.nan)
            padded[0, : k - 1] = params[1:]
            probability = prob_gpcm(theta, params[:1], padded)[:, 0, :k]
            return -float((counts[i, :k].T * np.log(probability)).sum())

        best = optimize.minimize(minus, np.r_[1.0, np.linspace(-1, 1, k - 1)], method="BFGS", options={"gtol": 1e-8})
        got = np.r_[items.a[i], items.steps[i, : k - 1]]
        np.testing.assert_allclose(got, best.x, atol=1e-4)


# --- the EM's fixed point is the maximum of the marginal likelihood -----------------------------


def test_2pl_em_reaches_the_maximum_of_the_marginal_likelihood() -> None:
    rng = np.random.default_rng(31)
    a, b = np.array([0.8, 1.3, 1.9, 1.1, 0.6]), np.array([-1.2, -0.3, 0.2, 0.8, 1.5])
    matrix = simulate_3pl(rng, a, b, 0.0, rng.normal(size=500))
    matrix[rng.random(matrix.shape) < 0.2] = np.nan
    quadrature = Quadrature.normal(21, 5.0)

    def minus(params: np.ndarray) -> float:
        probability = three_pl_categories(params[:5], params[5:], 0.0)
        return -brute_force_log_likelihood(matrix, probability, quadrature.points, quadrature.weights)

    best = optimize.minimize(minus, np.r_[np.ones(5), np.zeros(5)], method="BFGS", options={"gtol": 1e-6})
    result = calibrate(ResponseData.from_matrix(matrix), "2pl", priors=Priors(), quadrature=quadrature, tol=1e-8)

    assert result.converged
    np.testing.assert_allclose(result.column("a"), best.x[:5], atol=2e-3)
    np.testing.assert_allclose(result.column("b"), best.x[5:], atol=2e-3)
    assert result.log_likelihood == pytest.approx(-best.fun, abs=1e-5)
    assert result.log_likelihood >= -best.fun - 1e-6


def test_3pl_em_with_priors_reaches_the_posterior_mode() -> None:
    rng = np.random.default_rng(32)
    a, b, c = np.array([1.0, 1.6, 2.0, 1.3]), np.array([-0.5, 0.0, 0.6, 1.0]), np.array([0.2, 0.15, 0.25, 0.2])
    matrix = simulate_3pl(rng, a, b, c, rng.normal(size=600))
    quadrature = Quadrature.normal(21, 5.0)
    priors = Priors(log_a=(0.0, 0.5), c=(5.0, 17.0))

    def minus(params: np.ndarray) -> float:
        a_, b_, c_ = params[:4], params[4:8], params[8:]
        if np.any(a_ <= 0) or np.any((c_ <= 0) | (c_ >= 1)):
            return np.inf
        probability = three_pl_categories(a_, b_, c_)
        value = brute_force_log_likelihood(matrix, probability, quadrature.points, quadrature.weights)
        value -= 0.5 * (np.log(a_) / 0.5) ** 2 @ np.ones(4)
        value += (4 * np.log(c_) + 16 * np.log1p(-c_)).sum()
        return -value

    result = calibrate(ResponseData.from_matrix(matrix), "3pl", priors=priors, quadrature=quadrature, tol=1e-8)
    start = np.r_[result.column("a"), result.column("b"), result.column("c")]
    best = optimize.minimize(minus, start + 0.05, method="Nelder-Mead",
                             options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 40000, "maxfev": 40000})

    assert minus(start) <= best.fun + 1e-6
    np.testing.assert_allclose(start, best.x, atol=5e-3)


def test_gpcm_em_reaches_the_maximum_of_the_marginal_likelihood() -> None:
    rng = np.random.default_rng(33)
    a, steps = np.array([0.9, 1.5, 1.2]), np.array([[-1.0, 0.0, 1.0], [-0.5, 0.5, np.nan], [0.3, np.nan, np.nan]])
    matrix = simulate_gpcm(rng, a, steps, rng.normal(size=400))
    quadrature = Quadrature.normal(21, 5.0)

    def unpack(params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        padded = np.full((3, 3), np.nan)
        padded[0], padded[1, :2], padded[2, 0] = params[3:6], params[6:8], params[8]
        return params[:3], padded

    def minus(params: np.ndarray) -> float:
        slopes, padded = unpack(params)
        return -brute_force_log_likelihood(
            matrix, lambda t: prob_gpcm(t, slopes, padded), quadrature.points, quadrature.weights
        )

    best = optimize.minimize(minus, np.r_[np.ones(3), -1, 0, 1, -0.5, 0.5, 0], method="BFGS", options={"gtol": 1e-6})
    result = calibrate(ResponseData.from_matrix(matrix), "gpcm", priors=Priors(), quadrature=quadrature, tol=1e-8)

    slopes, padded = unpack(best.x)
    np.testing.assert_allclose(result.column("a"), slopes, atol=2e-3)
    for item, expected in zip(result.items, padded, strict=True):
        np.testing.assert_allclose(item.steps, expected[~np.isnan(expected)], atol=3e-3)


def test_rasch_is_the_1pl_on_a_logit_scale_with_the_population_sd_as_slope() -> None:
    """P = σ(a(z - b)) with z ~ N(0,1) is P = σ(θ - ab) with θ = a·z ~ N(0, a²): one likelihood."""
    rng = np.random.default_rng(34)
    matrix = simulate_3pl(rng, 1.0, np.linspace(-1.5, 1.5, 8), 0.0, rng.normal(0, 1.4, 800))
    data = ResponseData.from_matrix(matrix)

    one_pl = calibrate(data, "1pl", tol=1e-8)
    rasch = calibrate(data, "rasch", tol=1e-8)

    slope = one_pl.column("a")[0]
    assert np.all(rasch.column("a") == 1.0)
    assert rasch.population.sd == pytest.approx(slope, abs=1e-4)
    np.testing.assert_allclose(rasch.column("b"), slope * one_pl.column("b"), atol=1e-4)
    assert rasch.log_likelihood == pytest.approx(one_pl.log_likelihood, abs=1e-6)


# --- girth, computed here on the same data and the same grid -------------------------------------


def girth_grid() -> Quadrature:
    """girth's default rule: 41 Gauss-Legendre points on [-4.5, 4.5] weighted by the normal density."""
    x, w = roots_legendre(41)
    return Quadrature.of(4.5 * x, 4.5 * w * norm.pdf(4.5 * x))


def test_2pl_matches_girth_and_fits_at_least_as_well() -> None:
    girth = pytest.importorskip("girth")
    rng = np.random.default_rng(41)
    a, b = rng.uniform(0.7, 2.0, 15), rng.normal(size=15)
    matrix = simulate_3pl(rng, a, b, 0.0, rng.normal(size=1500))
    data = ResponseData.from_matrix(matrix)

    theirs = girth.twopl_mml(matrix.T.astype(int))
    ours = calibrate(data, "2pl", priors=Priors(), quadrature=girth_grid(), tol=1e-7)

    np.testing.assert_allclose(ours.column("a"), theirs["Discrimination"], atol=0.01)
    np.testing.assert_allclose(ours.column("b"), theirs["Difficulty"], atol=0.02)
    # girth solves for b from an interpolated table; the exact maximum can only fit better.
    at_girth = marginal_log_likelihood(data, dichotomous(theirs["Discrimination"], theirs["Difficulty"]), girth_grid())
    assert ours.log_likelihood >= at_girth - 1e-6


def test_1pl_matches_girth() -> None:
    girth = pytest.importorskip("girth")
    rng = np.random.default_rng(42)
    matrix = simulate_3pl(rng, 1.3, rng.normal(size=12), 0.0, rng.normal(size=1500))

    theirs = girth.onepl_mml(matrix.T.astype(int))
    ours = calibrate(ResponseData.from_matrix(matrix), "1pl", quadrature=girth_grid(), tol=1e-7)

    assert ours.column("a")[0] == pytest.approx(theirs["Discrimination"], abs=0.005)
    np.testing.assert_allclose(ours.column("b"), theirs["Difficulty"], atol=0.01)


def test_gpcm_matches_girth() -> None:
    girth = pytest.importorskip("girth")
    rng = np.random.default_rng(43)
    a, steps = rng.uniform(0.7, 2.0, 5), np.sort(rng.normal(size=(5, 3)), axis=1)
    matrix = simulate_gpcm(rng, a, steps, rng.normal(size=1500))
    data = ResponseData.from_matrix(matrix)

    theirs = girth.pcm_mml(matrix.T.astype(int))
    ours = calibrate(data, "gpcm", priors=Priors(), quadrature=girth_grid(), tol=1e-7)

    np.testing.assert_allclose(ours.column("a"), theirs["Discrimination"], atol=0.005)
    np.testing.assert_allclose(np.array([item.steps for item in ours.items]), theirs["Difficulty"], atol=0.03)
    anchors = {i: (theirs["Discrimination"][i], theirs["Difficulty"][i]) for i in range(5)}
    at_girth = PartialCreditItems.start("gpcm", data.category_counts(4), np.full(5, 4), anchors=anchors,
                                        priors=Priors())
    assert ours.log_likelihood >= marginal_log_likelihood(data, at_girth, girth_grid()) - 1e-6


def test_item_parameters_reject_impossible_values() -> None:
    with pytest.raises(ValueError, match="a > 0"):
        ItemParameters(a=0.0, b=0.0)
    with pytest.raises(ValueError, match="0 <= c < 1"):
        ItemParameters(a=1.0, b=0.0, c=1.0)
