"""Scored responses in long form: only the observed (person, item) pairs are stored.

Adaptive tests leave most of the person × item matrix empty, and an unanswered item is missing
at random, never wrong; so the container keeps one entry per answer (30-of-1,000 data costs 30
entries per person, not 1,000) and builds the indicator matrices the EM multiplies with: dense
arrays when the data are nearly complete (BLAS is fastest there), compressed sparse rows otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from assessment.psychometrics.calibration.errors import InvalidResponses

IntArray = NDArray[np.intp]
Matrix = NDArray[np.float64] | sp.csr_array

# Persons per E-step block: bounds the posterior held in memory at (block × grid points).
CHUNK_PERSONS = 8192
# Above this share of filled cells the indicator matrices are stored dense.
DENSE_DENSITY = 0.2
DENSE_MAX_CELLS = 40_000_000
# Scores are category numbers, stored in 16 bits.
MAX_SCORE = 1000


def _factorize(values: Iterable[object], known: Iterable[object] = ()) -> tuple[IntArray, NDArray[np.object_]]:
    """Codes 0..k-1 in order of first appearance (``known`` labels first), and the labels."""
    values = list(values)
    index = {label: code for code, label in enumerate(dict.fromkeys(itertools.chain(known, values)))}
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.intp, count=len(values))
    labels = np.empty(len(index), dtype=object)
    labels[:] = list(index)
    return codes, labels


def _check_scores(values: NDArray[np.float64]) -> None:
    """Raise InvalidResponses unless every non-NaN score is a category number 0..MAX_SCORE."""
    observed = ~np.isnan(values)
    bad = np.flatnonzero(observed & ((values < 0) | (values > MAX_SCORE) | (values != np.round(values))))
    if bad.size:
        raise InvalidResponses(
            f"scores must be whole numbers 0, 1, 2, ... up to {MAX_SCORE}; found {values[bad[0]]!r}",
            rows=bad[:10].tolist(),
        )


def _plain(values: ArrayLike | Sequence[object]) -> list[object]:
    """Python scalars, so that ``np.int64(3)`` and ``3`` name the same person or item."""
    return np.asarray(values).tolist() if isinstance(values, np.ndarray) else list(values)


class ResponseData:
    """Observed (person, item, score) triples sorted by person, then item.

    Scores are category numbers 0, 1, ... (0/1 for right/wrong items). Build with
    :meth:`from_long` or :meth:`from_matrix`; both raise :class:`InvalidResponses` on negative,
    fractional or duplicate scores.
    """

    def __init__(
        self,
        person: IntArray,
        item: IntArray,
        score: NDArray[np.int16],
        *,
        person_ids: NDArray[np.object_],
        item_ids: NDArray[np.object_],
        rows: IntArray | None = None,
    ) -> None:
        key = person.astype(np.int64) * max(item_ids.size, 1) + item
        order = None if np.all(np.diff(key) > 0) else np.argsort(key, kind="stable")
        sort = (lambda values: values) if order is None else (lambda values: values[order])
        self.person = np.ascontiguousarray(sort(person), dtype=np.intp)
        self.item = np.ascontiguousarray(sort(item), dtype=np.intp)
        self.score = np.ascontiguousarray(sort(score), dtype=np.int16)
        self.rows = sort(np.arange(key.size) if rows is None else np.asarray(rows))
        self.person_ids = person_ids
        self.item_ids = item_ids
        self._designs: dict[tuple[int, ...], Design] = {}
        if order is not None:
            repeated = np.flatnonzero(np.diff(key[order]) == 0)
            if repeated.size:
                first = repeated[0]
                raise InvalidResponses(
                    f"person {person_ids[self.person[first]]} has more than one score for item "
                    f"{item_ids[self.item[first]]}",
                    rows=sorted(self.rows[first : first + 2].tolist()),
                    item_ids=[item_ids[self.item[first]]],
                )

    @classmethod
    def from_long(
        cls,
        person_ids: ArrayLike | Sequence[object],
        item_ids: ArrayLike | Sequence[object],
        scores: ArrayLike,
        *,
        items: Sequence[object] = (),
    ) -> ResponseData:
        """Build from three parallel columns; a NaN score is a missing response, kept as missing.

        ``items`` declares items that must be present even without a response (the bank being
        calibrated); they come first, in that order, then the others in order of appearance.
        Persons without any observed score are left out: they carry no information.
        """
        persons, items_column = _plain(person_ids), _plain(item_ids)
        values = np.asarray(scores, dtype=np.float64)
        if not len(persons) == len(items_column) == values.size:
            raise ValueError("person_ids, item_ids and scores must have the same length")
        _check_scores(values)
        observed = ~np.isnan(values)
        item_codes, item_labels = _factorize(items_column, known=items)
        rows = np.flatnonzero(observed)
        person_codes, person_labels = _factorize(itertools.compress(persons, observed.tolist()))
        return cls(
            person_codes,
            item_codes[rows],
            values[rows].astype(np.int16),
            person_ids=person_labels,
            item_ids=item_labels,
            rows=rows,
        )

    @classmethod
    def from_matrix(
        cls,
        matrix: ArrayLike,
        *,
        person_ids: Sequence[object] | None = None,
        item_ids: Sequence[object] | None = None,
    ) -> ResponseData:
        """Build from a persons × items matrix with NaN for items a person did not answer."""
        values = np.asarray(matrix, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError("the response matrix must be persons × items")
        n_persons, n_items = values.shape
        persons = np.asarray(range(n_persons) if person_ids is None else person_ids, dtype=object)
        items = np.asarray(range(n_items) if item_ids is None else item_ids, dtype=object)
        if persons.shape != (n_persons,) or items.shape != (n_items,):
            raise ValueError("one person id per row and one item id per column")
        flat = values.ravel()
        _check_scores(flat)
        observed = ~np.isnan(flat)
        rows = np.flatnonzero(observed)
        person, item = np.divmod(rows, n_items)
        answered = np.zeros(n_persons, dtype=bool)
        answered[person] = True
        new_code = np.cumsum(answered) - 1
        return cls(
            new_code[person], item, flat[rows].astype(np.int16),
            person_ids=persons[answered], item_ids=items, rows=rows,
        )

    @property
    def n_persons(self) -> int:
        return int(self.person_ids.size)

    @property
    def n_items(self) -> int:
        return int(self.item_ids.size)

    @property
    def n_responses(self) -> int:
        return int(self.person.size)

    @cached_property
    def responses_per_item(self) -> IntArray:
        return np.bincount(self.item, minlength=self.n_items)

    @cached_property
    def max_score(self) -> IntArray:
        """Highest observed score of each item (-1 for an item nobody answered)."""
        highest = np.full(self.n_items, -1, dtype=np.intp)
        np.maximum.at(highest, self.item, self.score.astype(np.intp))
        return highest

    @cached_property
    def person_starts(self) -> IntArray:
        """Where each person's responses start in the sorted arrays (CSR row pointer)."""
        return np.searchsorted(self.person, np.arange(self.n_persons + 1))

    def category_counts(self, n_categories: int) -> NDArray[np.intp]:
        """Responses of each item in each category, shape ``(m, n_categories)``."""
        flat = np.bincount(self.item * n_categories + self.score, minlength=self.n_items * n_categories)
        return flat.reshape(self.n_items, n_categories)

    def to_matrix(self) -> NDArray[np.float64]:
        """Persons × items with NaN where nothing was observed (for small data and tests)."""
        matrix = np.full((self.n_persons, self.n_items), np.nan)
        matrix[self.person, self.item] = self.score
        return matrix

    def design(self, n_categories: IntArray) -> Design:
        """Indicator matrices for items with ``n_categories[i]`` categories each (built once)."""
        key = tuple(np.asarray(n_categories, dtype=np.intp).tolist())
        if key not in self._designs:
            self._designs[key] = Design.build(self, np.asarray(n_categories, dtype=np.intp))
        return self._designs[key]


@dataclass(frozen=True, eq=False)
class Chunk:
    """One block of persons: the indicators of their scores above 0 and of what they answered.

    ``upper`` is persons × (non-zero categories): the log-likelihood over the grid is
    ``upper @ (log P_k - log P_0) + observed @ log P_0``, and the expected counts are the
    transposed products with the posterior. ``observed`` is None when every person in the whole
    data answered every item, so that the second product is a plain column sum.
    """

    persons: slice
    pairs: slice
    upper: Matrix
    upper_t: Matrix
    observed: Matrix | None
    observed_t: Matrix | None


@dataclass(frozen=True, eq=False)
class Design:
    """Column layouts and per-block indicator matrices of one data set for one item model."""

    n_categories: IntArray
    upper_item: IntArray  # item of each non-zero category column
    upper_category: IntArray  # its category 1..K-1
    base_column: IntArray  # full one-hot column of each item's category 0
    pair_column: IntArray  # full one-hot column (item offset + score) of each observed pair
    n_columns: int  # sum of n_categories
    complete: bool
    chunks: tuple[Chunk, ...]

    @classmethod
    def build(
        cls,
        data: ResponseData,
        n_categories: IntArray,
        *,
        chunk_persons: int = CHUNK_PERSONS,
        dense: bool | None = None,
    ) -> Design:
        """Lay out the indicators; ``dense`` None picks dense storage for nearly complete data."""
        upper_item = np.repeat(np.arange(data.n_items), n_categories - 1)
        upper_start = np.concatenate([[0], np.cumsum(n_categories - 1)])
        upper_category = np.arange(upper_item.size) - upper_start[upper_item] + 1
        full_start = np.concatenate([[0], np.cumsum(n_categories)])
        complete = data.n_responses == data.n_persons * data.n_items
        dense = dense if dense is not None else (
            data.n_responses >= DENSE_DENSITY * data.n_persons * data.n_items
            and data.n_persons * max(upper_item.size, data.n_items) <= DENSE_MAX_CELLS
        )
        chunks = []
        starts = data.person_starts
        for first in range(0, data.n_persons, chunk_persons):
            last = min(first + chunk_persons, data.n_persons)
            pairs = slice(int(starts[first]), int(starts[last]))
            rows = data.person[pairs] - first
            items = data.item[pairs]
            scores = data.score[pairs].astype(np.intp)
            positive = scores > 0
            upper = cls._indicator(
                rows[positive], upper_start[items[positive]] + scores[positive] - 1, (last - first, upper_item.size),
                dense,
            )
            observed = None if complete else cls._indicator(rows, items, (last - first, data.n_items), dense)
            chunks.append(Chunk(
                persons=slice(first, last),
                pairs=pairs,
                upper=upper,
                upper_t=cls._transpose(upper),
                observed=observed,
                observed_t=None if observed is None else cls._transpose(observed),
            ))
        return cls(
            n_categories=n_categories,
            upper_item=upper_item,
            upper_category=upper_category,
            base_column=full_start[:-1],
            pair_column=full_start[data.item] + data.score,
            n_columns=int(full_start[-1]),
            complete=complete,
            chunks=tuple(chunks),
        )

    @staticmethod
    def _indicator(rows: IntArray, columns: IntArray, shape: tuple[int, int], dense: bool) -> Matrix:
        if dense:
            matrix = np.zeros(shape)
            matrix[rows, columns] = 1.0
            return matrix
        return sp.csr_array((np.ones(rows.size), (rows, columns)), shape=shape)

    @staticmethod
    def _transpose(matrix: Matrix) -> Matrix:
        if isinstance(matrix, np.ndarray):
            return np.ascontiguousarray(matrix.T)
        return sp.csr_array(matrix.T)
