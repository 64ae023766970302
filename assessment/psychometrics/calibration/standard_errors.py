"""Item standard errors from the empirical (cross-product) information of the marginal likelihood.

Each person's score vector, the gradient of their log marginal likelihood, is the posterior mean
of the complete-data gradient; the sum of their outer products estimates the information matrix
of all estimated item parameters jointly (mirt's ``SE.type = "crossprod"``). It costs one pass
over the responses, whatever the number of items, and accounts for the covariance between
items that a per-item M-step information would miss. The priors' curvature is added, so with
priors these are the SEs of the posterior mode. The population mean and SD, where estimated, are
treated as known.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from assessment.psychometrics.calibration.data import Design, ResponseData
from assessment.psychometrics.calibration.em import pair_values, posteriors
from assessment.psychometrics.calibration.quadrature import Population, Quadrature
from assessment.psychometrics.models import FloatArray

class DifferentiableItems(Protocol):
    """What the standard errors need from calibrated items, in their reported parameters."""

    @property
    def n_categories(self) -> NDArray[np.intp]: ...

    @property
    def shared_slope(self) -> bool: ...

    def log_probabilities(self, theta: FloatArray) -> FloatArray: ...

    def score_tables(self, theta: FloatArray) -> FloatArray:
        """d log P(category k) / d(parameter p), ``(m, K, Q, P)``."""
        ...

    def estimated_mask(self) -> NDArray[np.bool_]: ...

    def prior_information(self) -> FloatArray: ...


def parameter_index(mask: NDArray[np.bool_], shared_slope: bool) -> NDArray[np.intp]:
    """Column of each estimated (item, parameter) in the joint information; -1 if fixed.

    With a shared slope (1PL) every item's slope maps to column 0.
    """
    index = np.full(mask.shape, -1, dtype=np.intp)
    if shared_slope and mask[:, 0].any():
        index[mask[:, 0], 0] = 0
        rest = mask.copy()
        rest[:, 0] = False
        index[rest] = 1 + np.arange(rest.sum())
    else:
        index[mask] = np.arange(mask.sum())
    return index


def empirical_information(
    design: Design, data: ResponseData, items: DifferentiableItems, quadrature: Quadrature, population: Population
) -> tuple[FloatArray, NDArray[np.intp]]:
    """Sum over persons of s sᵀ plus the priors' curvature, and the parameter index it uses."""
    theta = quadrature.abilities(population)
    mask = items.estimated_mask()
    index = parameter_index(mask, items.shared_slope)
    n_params = int(index.max(initial=-1)) + 1
    info = np.zeros((n_params, n_params))
    if n_params == 0:
        return info, index
    # Only parameters some item estimates are integrated (a Rasch slope or a 2PL c never is).
    used = mask.any(axis=0)
    tables = items.score_tables(theta)[..., used]
    # Rows of the (item, category) tables in full one-hot column order.
    columns = tables[np.arange(tables.shape[1]) < items.n_categories[:, np.newaxis]]
    # Maps (item, parameter) cells to their columns; the 1PL's slopes all sum into column 0.
    used_index = index[:, used]
    estimated = used_index >= 0
    mapping = sp.csr_array(
        (np.ones(int(estimated.sum())), (np.flatnonzero(estimated), used_index[estimated])),
        shape=(used_index.size, n_params),
    )
    for chunk, post, _ in posteriors(design, items.log_probabilities(theta), quadrature.log_weights):
        scores = pair_values(design, data, chunk, post, columns)
        n_rows = chunk.persons.stop - chunk.persons.start
        if isinstance(chunk.upper, np.ndarray):
            if chunk.observed is None:
                cells = scores.reshape(n_rows, -1)
            else:
                cells = np.zeros((n_rows, *used_index.shape))
                cells[chunk.observed > 0] = scores
                cells = cells.reshape(n_rows, -1)
            block = (mapping.T @ cells.T).T
            info += block.T @ block
        else:
            targets = used_index[data.item[chunk.pairs]]
            keep = targets >= 0
            rows = np.broadcast_to((data.person[chunk.pairs] - chunk.persons.start)[:, np.newaxis], targets.shape)
            sparse = sp.csr_array((scores[keep], (rows[keep], targets[keep])), shape=(n_rows, n_params))
            info += (sparse.T @ sparse).toarray()
    prior = items.prior_information()
    estimated = index >= 0
    if items.shared_slope and mask[:, 0].any():
        # The shared slope's prior counts once.
        first = np.flatnonzero(mask[:, 0])[0]
        estimated = estimated.copy()
        estimated[:, 0] = False
        info[0, 0] += prior[first, 0]
    np.add.at(info, (index[estimated], index[estimated]), prior[estimated])
    return info, index


def standard_errors(
    design: Design, data: ResponseData, items: DifferentiableItems, quadrature: Quadrature, population: Population
) -> FloatArray:
    """SE of every reported parameter, ``(m, P)``; NaN where fixed or not identified by the data."""
    info, index = empirical_information(design, data, items, quadrature, population)
    se = np.full(index.shape, np.nan)
    if info.size == 0:
        return se
    try:
        covariance = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        covariance = np.linalg.pinv(info)
    variance = np.diag(covariance)
    with np.errstate(invalid="ignore"):
        column_se = np.where(variance > 0, np.sqrt(variance), np.nan)
    estimated = index >= 0
    se[estimated] = column_se[index[estimated]]
    return se
