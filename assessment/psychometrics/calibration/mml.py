"""Calibration by marginal maximum likelihood: the entry point the CLI and services call."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.psychometrics.calibration.data import ResponseData
from assessment.psychometrics.calibration.dichotomous import DICHOTOMOUS_MODELS, DichotomousItems
from assessment.psychometrics.calibration.em import ProgressCallback, marginal_log_likelihood, run_em
from assessment.psychometrics.calibration.errors import CalibrationError, InvalidResponses, ItemsNotEstimable
from assessment.psychometrics.calibration.fit import item_fit
from assessment.psychometrics.calibration.gpcm import POLYTOMOUS_MODELS, PartialCreditItems
from assessment.psychometrics.calibration.quadrature import Population, Priors, Quadrature
from assessment.psychometrics.calibration.standard_errors import standard_errors
from assessment.psychometrics.calibration.start import respondent_abilities

MODELS = DICHOTOMOUS_MODELS + POLYTOMOUS_MODELS


@dataclass(frozen=True)
class ItemParameters:
    """An item on the logistic metric: 3PL family (a, b, c) or GPCM (a, steps; b = mean step)."""

    a: float
    b: float
    c: float = 0.0
    steps: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not (self.a > 0 and math.isfinite(self.b) and 0 <= self.c < 1):
            raise ValueError("item parameters need a > 0, a finite b and 0 <= c < 1")
        if not all(math.isfinite(step) for step in self.steps):
            raise ValueError("GPCM steps must be finite")

    @classmethod
    def gpcm(cls, a: float, steps: tuple[float, ...]) -> ItemParameters:
        return cls(a=a, b=float(np.mean(steps)) if steps else float("nan"), steps=tuple(steps))


@dataclass(frozen=True)
class CalibratedItem:
    """One item's estimates, standard errors (NaN where fixed), responses and fit."""

    item_id: object
    a: float
    b: float
    c: float
    se_a: float
    se_b: float
    se_c: float
    n: int
    fit_x2: float
    fit_df: int
    fit_p: float
    anchored: bool
    steps: tuple[float, ...] = ()
    se_steps: tuple[float, ...] = ()


@dataclass(frozen=True)
class CalibrationResult:
    """All items of one calibration, with the population it found and how the EM ended."""

    model: str
    items: tuple[CalibratedItem, ...]
    population: Population
    log_likelihood: float
    iterations: int
    converged: bool

    def __getitem__(self, item_id: object) -> CalibratedItem:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise KeyError(item_id)

    def column(self, name: str) -> NDArray[np.float64]:
        """One field of every item as an array, e.g. ``result.column("b")``."""
        return np.array([getattr(item, name) for item in self.items], dtype=np.float64)


def calibrate(
    data: ResponseData,
    model: str = "2pl",
    *,
    anchors: Mapping[object, ItemParameters] | None = None,
    priors: Priors | None = None,
    quadrature: Quadrature | None = None,
    max_iter: int = 500,
    tol: float = 1e-4,
    with_standard_errors: bool = True,
    with_fit: bool = True,
    progress: ProgressCallback | None = None,
) -> CalibrationResult:
    """Estimate item parameters by marginal maximum likelihood (Bock-Aitkin EM).

    ``model`` is rasch, 1pl, 2pl, 3pl (scores 0/1) or pcm, gpcm (scores 0..K-1). Abilities
    are N(0, 1) unless the model or anchors say otherwise: the Rasch and PCM models fix a = 1
    and estimate the population SD; ``anchors`` (item id -> parameters, held fixed) define the
    scale, and then the population mean and SD are estimated too, so that new items land on the
    anchors' scale. ``priors`` default to :meth:`Priors.default`. The EM stops when no
    parameter moves more than ``tol``; ``converged`` says whether that happened within
    ``max_iter`` iterations. ``progress(iteration, largest change)`` is called after each.

    Raises InvalidResponses (scores outside the model) and ItemsNotEstimable (an item without
    responses, or all of them in one category), naming the items; CalibrationError if anchors
    are given but none of them was answered.
    """
    model = model.lower()
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    priors = Priors.default(model) if priors is None else priors
    quadrature = Quadrature.normal() if quadrature is None else quadrature
    anchor_index = _anchor_positions(data, anchors or {})
    dichotomous = model in DICHOTOMOUS_MODELS
    n_categories = _check_estimable(data, model, anchor_index)
    locations = respondent_abilities(data)
    if dichotomous:
        items: DichotomousItems | PartialCreditItems = DichotomousItems.start(
            model, data.category_counts(2),
            anchors={index: (p.a, p.b, p.c) for index, p in anchor_index.items()}, priors=priors,
            locations=locations,
        )
    else:
        items = PartialCreditItems.start(
            model, data.category_counts(int(n_categories.max())), n_categories,
            anchors={index: (p.a, p.steps) for index, p in anchor_index.items()}, priors=priors,
            locations=locations,
        )
    design = data.design(items.n_categories)
    anchored = bool(anchor_index)
    outcome = run_em(
        design, items, quadrature,
        population=Population(),
        estimate_mean=anchored,
        estimate_sd=anchored or model in ("rasch", "pcm"),
        max_iter=max_iter, tol=tol, progress=progress,
    )
    population = outcome.population
    width = 3 if dichotomous else int(n_categories.max())
    se = (
        standard_errors(design, data, items, quadrature, population)
        if with_standard_errors else np.full((data.n_items, width), np.nan)
    )
    log_p = items.log_probabilities(quadrature.abilities(population))
    if with_fit:
        fit = item_fit(design, data, log_p, quadrature, population, items.parameters_per_item)
        x2, df, p_value = fit.x2, fit.df, fit.p_value
    else:
        x2, df, p_value = np.full(data.n_items, np.nan), np.zeros(data.n_items, np.intp), np.full(data.n_items, np.nan)
    rows = _rows(data, items, se, x2, df, p_value)
    return CalibrationResult(
        model=model,
        items=rows,
        population=population,
        log_likelihood=marginal_log_likelihood(data, items, quadrature, population),
        iterations=outcome.iterations,
        converged=outcome.converged,
    )


def _anchor_positions(data: ResponseData, anchors: Mapping[object, ItemParameters]) -> dict[int, ItemParameters]:
    if not anchors:
        return {}
    position = {item_id: index for index, item_id in enumerate(data.item_ids.tolist())}
    found = {position[item_id]: params for item_id, params in anchors.items() if item_id in position}
    if not any(data.responses_per_item[index] > 0 for index in found):
        raise CalibrationError(
            f"none of the {len(anchors)} anchor items has a response: the other items cannot be put on their scale"
        )
    return found


def _check_estimable(data: ResponseData, model: str, anchors: Mapping[int, ItemParameters]) -> NDArray[np.intp]:
    """Number of categories of each item; raises unless every free item can be estimated."""
    if model in DICHOTOMOUS_MODELS:
        too_high = np.flatnonzero(data.score > 1)
        if too_high.size:
            first = too_high[0]
            raise InvalidResponses(
                f"the {model} model needs scores 0 or 1; item {data.item_ids[data.item[first]]} has a score of "
                f"{data.score[first]}",
                rows=np.sort(data.rows[too_high[:10]]).tolist(),
                item_ids=[data.item_ids[data.item[first]]],
            )
        n_categories = np.full(data.n_items, 2, dtype=np.intp)
    else:
        n_categories = np.maximum(data.max_score + 1, 2)
        for index, params in anchors.items():
            n_categories[index] = max(n_categories[index], len(params.steps) + 1)
    counts = data.category_counts(int(n_categories.max()))
    problems: dict[object, str] = {}
    for index in np.flatnonzero(~np.isin(np.arange(data.n_items), list(anchors))):
        item_counts = counts[index, : n_categories[index]]
        total = int(item_counts.sum())
        if total == 0:
            problems[data.item_ids[index]] = "no responses"
        elif (item_counts > 0).sum() == 1:
            problems[data.item_ids[index]] = f"all {total} responses are {int(np.argmax(item_counts))}"
        elif (item_counts == 0).any():
            empty = ", ".join(str(k) for k in np.flatnonzero(item_counts == 0))
            problems[data.item_ids[index]] = f"no response scored {empty} (renumber the categories)"
    if problems:
        raise ItemsNotEstimable(problems)
    return n_categories


def _rows(
    data: ResponseData,
    items: DichotomousItems | PartialCreditItems,
    se: NDArray[np.float64],
    x2: NDArray[np.float64],
    df: NDArray[np.intp],
    p_value: NDArray[np.float64],
) -> tuple[CalibratedItem, ...]:
    rows = []
    natural = items.natural_parameters()
    for index, item_id in enumerate(data.item_ids.tolist()):
        common = {
            "item_id": item_id,
            "n": int(data.responses_per_item[index]),
            "fit_x2": float(x2[index]),
            "fit_df": int(df[index]),
            "fit_p": float(p_value[index]),
            "anchored": bool(items.anchored[index]),
        }
        if isinstance(items, DichotomousItems):
            a, b, c = natural[index]
            se_a, se_b, se_c = se[index]
            rows.append(CalibratedItem(a=a, b=b, c=c, se_a=se_a, se_b=se_b, se_c=se_c, **common))
        else:
            k = int(items.n_categories[index]) - 1
            steps = tuple(float(x) for x in natural[index, 1 : k + 1])
            se_steps = tuple(float(x) for x in se[index, 1 : k + 1])
            # The location b is the mean step; its SE would need the steps' covariance, so it is left out.
            rows.append(CalibratedItem(
                a=float(natural[index, 0]), b=float(np.mean(steps)), c=0.0, se_a=float(se[index, 0]),
                se_b=float("nan"), se_c=float("nan"), steps=steps, se_steps=se_steps, **common,
            ))
    return tuple(rows)
