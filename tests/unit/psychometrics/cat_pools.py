"""Small item pools shared by the adaptive-testing tests (a helper module, not a conftest)."""

from __future__ import annotations

import numpy as np
from assessment.psychometrics.cat.pool import ItemPool


def random_pool(n: int, seed: int = 0, **structure: object) -> ItemPool:
    """A 3PL pool drawn like catsim's banks: a ~ N(1.2, 0.25), b ~ N(0, 1), c ~ N(0.25, 0.02)."""
    rng = np.random.default_rng(seed)
    a = np.clip(rng.normal(1.2, 0.25, n), 0.3, None)
    b = rng.normal(0.0, 1.0, n)
    c = np.clip(rng.normal(0.25, 0.02, n), 0.0, 0.5)
    return ItemPool.build([f"i{i}" for i in range(n)], a, b, c, **structure)  # type: ignore[arg-type]
