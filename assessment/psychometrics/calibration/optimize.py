"""Newton ascent over many items at once: the EM's M-step maximiser.

Every item's M-step objective depends on its own parameters only (unless the items share a
slope), so one vectorised Newton step moves all items together, instead of one
``scipy.optimize`` call per item.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assessment.psychometrics.models import FloatArray

MAX_HALVINGS = 30


def newton_ascent(
    params: FloatArray,
    objective: Callable[[FloatArray], FloatArray],
    direction: Callable[[FloatArray], FloatArray],
    project: Callable[[FloatArray], FloatArray],
    *,
    joint: bool = False,
    max_iter: int = 50,
    tol: float = 1e-9,
) -> FloatArray:
    """Maximise the per-item ``objective`` of ``params`` (items × parameters).

    ``direction`` gives the (quasi-)Newton step of each item and ``project`` puts a trial point
    back inside the parameter bounds. Each item halves its own step until its objective does not
    decrease; with ``joint`` the items share a parameter, so one step length serves all of them
    and the summed objective decides.
    """
    params = params.copy()
    current = objective(params)
    for _ in range(max_iter):
        step = direction(params)
        step = np.where(np.isfinite(step), step, 0.0)
        length = np.ones(params.shape[0])
        accepted = np.zeros(params.shape[0], dtype=bool)
        moved = np.zeros_like(params)
        for _ in range(MAX_HALVINGS):
            trial = project(params + length[:, np.newaxis] * step)
            value = objective(trial)
            # A rounding-level loss is accepted: near the optimum it is all that is left.
            slack = 1e-12 * (1.0 + np.abs(current))
            ok = np.full(params.shape[0], value.sum() >= (current - slack).sum()) if joint else value >= current - slack
            ok &= ~accepted & np.isfinite(value)
            moved[ok] = trial[ok] - params[ok]
            current[ok] = value[ok]
            accepted |= ok
            if accepted.all():
                break
            length = np.where(accepted, length, 0.5 * length)
        params += moved
        if np.abs(moved).max(initial=0.0) < tol:
            break
    return params
