"""Item selection by maximum Fisher information, with optional exposure control.

A selector receives the information of every item at the current ability with ineligible
items already set to -inf, and returns the chosen item plus any items it set aside for the
rest of this test (Sympson-Hetter). It may overwrite the scores: they are a scratch buffer.

Exposure control comes in three kinds: randomesque (a draw among the best few, no cap),
Sympson-Hetter (a lottery per item with parameters calibrated by simulation beforehand), and
an exposure cap that works from the test's running counts (:class:`ExposureCap`: nothing to
calibrate, and the cap holds over every run of examinees, not only in expectation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

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


@dataclass(frozen=True, eq=False)
class ExposureCap:
    """Maximum information over the items whose running exposure leaves room under a cap.

    The "restricted" maximum-information rule (Revuelta & Ponsoda, 1998), the freeze of
    Chen, Lei & Liao (2008): an item given in ``given[i]`` of the test's ``tests`` earlier
    administrations is eligible for the next one only if giving it keeps its rate at or under
    ``r_max``: ``given[i] + 1 <= max(1, r_max * (tests + 1))`` (so in the first 1/r_max tests
    an item is given once at most). After any number n >= 1/r_max of tests no item's
    exposure rate exceeds r_max, whatever the examinees: nothing to calibrate and no margin
    for sampling error to keep. The best eligible item is given outright, so items are never
    lost to a lottery. It needs at least max_items / r_max items in the pool.

    A selector holds the counts of one moment: :meth:`after` gives the next test's. A
    testlet is eligible only while all its items are.
    """

    r_max: float
    given: FloatArray  # earlier tests that each item was given in
    tests: int
    unit_of: NDArray[np.intp] | None = None  # delivery unit of each item, when the pool has testlets
    name: str = "exposure-cap"
    frozen: NDArray[np.bool_] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.r_max <= 1:
            raise ValueError("the maximum exposure rate must be in (0, 1]")
        if self.tests < 0 or np.any(self.given < 0) or np.any(self.given > self.tests):
            raise ValueError("exposure counts must be between 0 and the number of tests")
        frozen = self.given + 1.0 > max(1.0, self.r_max * (self.tests + 1))
        if self.unit_of is not None and frozen.any():
            frozen_units = np.zeros(int(self.unit_of.max()) + 1, dtype=bool)
            frozen_units[self.unit_of[frozen]] = True
            frozen = frozen_units[self.unit_of]
        object.__setattr__(self, "frozen", frozen)

    @classmethod
    def start(cls, n_items: int, r_max: float = 0.25, unit_of: NDArray[np.intp] | None = None) -> ExposureCap:
        """The cap before the first test: every item eligible."""
        return cls(r_max, np.zeros(n_items), 0, unit_of)

    def after(self, administered: Sequence[int]) -> ExposureCap:
        """The cap for the next test, once a test has given the items at ``administered``."""
        given = self.given.copy()
        given[np.asarray(administered, dtype=np.intp)] += 1.0
        return replace(self, given=given, tests=self.tests + 1)

    def choose(self, scores: FloatArray, rng: np.random.Generator) -> Choice:
        np.putmask(scores, self.frozen, NOT_ELIGIBLE)
        best = int(np.argmax(scores))
        return Choice(None if scores[best] == NOT_ELIGIBLE else best)


def parse_selector(text: str, n_items: int) -> Selector:
    """Read ``maxinfo``, ``randomesque:K``, ``sympson-hetter`` (parameters all 1 until calibrated)
    or ``exposure-cap:R`` (running exposure rates kept under R, default 0.25)."""
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
    if name == "exposure-cap":
        try:
            return ExposureCap.start(n_items, float(argument) if argument else 0.25)
        except ValueError:
            raise ValueError(f"exposure-cap needs a rate in (0, 1], got {argument!r}") from None
    raise ValueError(f"unknown selector {text!r}: use maxinfo, randomesque:K, sympson-hetter or exposure-cap:R")
