"""Item selection by maximum Fisher information, with optional exposure control.

A selector receives the information of every item at the current ability with ineligible
items already set to -inf, and returns the chosen item plus any items it set aside for the
rest of this test (Sympson-Hetter). It may overwrite the scores: they are a scratch buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike

from assessment.psychometrics.models import FloatArray

NOT_ELIGIBLE = -np.inf


@dataclass(frozen=True)
class Choice:
    """The selected item (None when nothing is eligible) and the items set aside on the way."""

    item: int | None
    set_aside: tuple[int, ...] = ()


class Selector(Protocol):
    """Chooses the next item from per-item scores (-inf where not eligible)."""

    name: str

    def choose(self, scores: FloatArray, rng: np.random.Generator) -> Choice: ...


@dataclass(frozen=True)
class MaxInfo:
    """The most informative eligible item: the most precise, and the most exposed."""

    name: str = "maxinfo"

    def choose(self, scores: FloatArray, rng: np.random.Generator) -> Choice:
        best = int(np.argmax(scores))
        return Choice(None if scores[best] == NOT_ELIGIBLE else best)


@dataclass(frozen=True)
class Randomesque:
    """A uniform draw among the k most informative eligible items (Kingsbury & Zara, 1989).

    Cheap and stateless exposure control; it caps nothing, so the first item of everyone
    starting at the same ability still reaches an exposure of about 1/k.
    """

    k: int = 5
    name: str = "randomesque"

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError("randomesque needs k >= 1")

    def choose(self, scores: FloatArray, rng: np.random.Generator) -> Choice:
        if scores.size > self.k:
            top = np.argpartition(scores, scores.size - self.k)[-self.k :]
        else:
            top = np.arange(scores.size)
        candidates = top[scores[top] > NOT_ELIGIBLE]
        if candidates.size == 0:
            return Choice(None)
        return Choice(int(candidates[rng.integers(candidates.size)]))


@dataclass(frozen=True, eq=False)
class SympsonHetter:
    """Maximum information filtered by Sympson-Hetter exposure parameters.

    The best item is administered with probability k_i; otherwise it is set aside for the
    rest of this test and the next best is tried. With k_i calibrated by simulation
    (:func:`assessment.psychometrics.cat.simulation.calibrate_sympson_hetter`), each item's
    exposure rate stays near the target maximum.
    """

    k: FloatArray
    name: str = "sympson-hetter"

    @classmethod
    def of(cls, k: ArrayLike) -> SympsonHetter:
        """Raises ValueError unless every exposure parameter is in (0, 1]."""
        values = np.asarray(k, dtype=np.float64).reshape(-1)
        if np.any(~np.isfinite(values) | (values <= 0) | (values > 1)):
            raise ValueError("Sympson-Hetter exposure parameters must be in (0, 1]")
        return cls(values.copy())

    @classmethod
    def unconstrained(cls, n_items: int) -> SympsonHetter:
        """All parameters 1: the starting point of the calibration (plain maximum information)."""
        return cls(np.ones(n_items))

    def choose(self, scores: FloatArray, rng: np.random.Generator) -> Choice:
        set_aside: list[int] = []
        while True:
            best = int(np.argmax(scores))
            if scores[best] == NOT_ELIGIBLE:
                return Choice(None, tuple(set_aside))
            if self.k[best] >= 1.0 or rng.random() < self.k[best]:
                return Choice(best, tuple(set_aside))
            set_aside.append(best)
            scores[best] = NOT_ELIGIBLE


def parse_selector(text: str, n_items: int) -> Selector:
    """Read ``maxinfo``, ``randomesque:K`` or ``sympson-hetter`` (parameters all 1 until calibrated)."""
    name, _, argument = text.strip().partition(":")
    if name == "maxinfo" and not argument:
        return MaxInfo()
    if name == "randomesque":
        try:
            return Randomesque(int(argument) if argument else 5)
        except ValueError:
            raise ValueError(f"randomesque needs a whole number k >= 1, got {argument!r}") from None
    if name == "sympson-hetter" and not argument:
        return SympsonHetter.unconstrained(n_items)
    raise ValueError(f"unknown selector {text!r}: use maxinfo, randomesque:K or sympson-hetter")
