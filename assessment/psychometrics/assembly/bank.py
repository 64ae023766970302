"""What form assembly works from: the bank as arrays, the blueprint, the target information curve.

Everything here is validated on construction, so the assembler can trust its inputs and
report only what the bank cannot deliver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from assessment.psychometrics.models import FloatArray, info_3pl

IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]
StrArray = NDArray[np.str_]

STANDALONE = -1


@dataclass(frozen=True, eq=False)
class AssemblyBank:
    """Per-item arrays of the items forms may be assembled from.

    Items sharing a ``unit`` (a passage, a recording) go into a form all together or not at
    all; ``unit`` -1 is a standalone item. Rater-scored items (writing and speaking tasks)
    have NaN for a, b and c: they fill blueprint cells but add no test information.
    ``exposure`` is any "how often delivered" measure (a rate or a count): it is compared
    with the exposure ceiling and used to prefer fresher items. ``enemies`` are index pairs
    of items that must never share a form.
    """

    ids: tuple[str, ...]
    a: FloatArray
    b: FloatArray
    c: FloatArray
    skill: StrArray
    level: IntArray
    item_type: StrArray
    unit: IntArray
    exposure: FloatArray
    enemies: IntArray = field(default_factory=lambda: np.empty((0, 2), dtype=np.intp))

    def __post_init__(self) -> None:
        ids = tuple(str(item_id) for item_id in self.ids)
        n = len(ids)
        if n == 0:
            raise ValueError("the bank has no items")
        if len(set(ids)) != n:
            raise ValueError("item ids must be unique")
        object.__setattr__(self, "ids", ids)
        for name in ("a", "b", "c", "exposure"):
            object.__setattr__(self, name, _column(getattr(self, name), n, name, np.float64))
        for name in ("skill", "item_type"):
            object.__setattr__(self, name, _column(getattr(self, name), n, name, np.str_))
        for name in ("level", "unit"):
            object.__setattr__(self, name, _column(getattr(self, name), n, name, np.intp))
        enemies = np.asarray(self.enemies, dtype=np.intp).reshape(-1, 2)
        object.__setattr__(self, "enemies", enemies)
        self._check_parameters()
        if np.any(~np.isfinite(self.exposure) | (self.exposure < 0)):
            raise ValueError("exposure must be finite and >= 0")
        if np.any(self.unit < STANDALONE):
            raise ValueError("unit must be a group id >= 0, or -1 for a standalone item")
        grouped = self.unit >= 0
        skill_of_unit: dict[int, str] = {}
        for position in np.flatnonzero(grouped):
            unit = int(self.unit[position])
            if skill_of_unit.setdefault(unit, self.skill[position]) != self.skill[position]:
                raise ValueError(f"unit {unit} mixes skills (item {ids[position]!r})")
        if enemies.size:
            if np.any((enemies < 0) | (enemies >= n)):
                raise ValueError("enemy pairs must be item indices within the bank")
            if np.any(enemies[:, 0] == enemies[:, 1]):
                raise ValueError("an item cannot be its own enemy")
            same_unit = grouped[enemies[:, 0]] & (self.unit[enemies[:, 0]] == self.unit[enemies[:, 1]])
            if same_unit.any():
                first_pair = enemies[np.flatnonzero(same_unit)[0]]
                raise ValueError(
                    f"items {ids[first_pair[0]]!r} and {ids[first_pair[1]]!r} are enemies in the same unit"
                )

    def _check_parameters(self) -> None:
        rated = np.isnan(self.a) & np.isnan(self.b) & np.isnan(self.c)
        partly = (np.isnan(self.a) | np.isnan(self.b) | np.isnan(self.c)) & ~rated
        irt = ~rated
        bad = partly | (irt & ~((self.a > 0) & np.isfinite(self.a) & np.isfinite(self.b)))
        bad |= irt & ~((self.c >= 0) & (self.c < 1))
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"item {self.ids[position]!r}: need a > 0, finite b and 0 <= c < 1, "
                "or a, b and c all NaN for a rater-scored item"
            )

    @property
    def size(self) -> int:
        return len(self.ids)

    def information(self, thetas: ArrayLike) -> FloatArray:
        """Fisher information of every item at each theta, shape ``(items, thetas)``; 0 for rated items."""
        info = info_3pl(np.asarray(thetas, dtype=np.float64), self.a, self.b, self.c)
        return np.nan_to_num(info.T, nan=0.0)


@dataclass(frozen=True)
class BlueprintCell:
    """How many items of one skill, level and item type a form holds; None means any."""

    skill: str
    count: int
    level: int | None = None
    item_type: str | None = None

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError(f"cell {self.label} needs a count >= 1, got {self.count}")

    @property
    def label(self) -> str:
        level = "any level" if self.level is None else f"level {self.level}"
        item_type = "any type" if self.item_type is None else f"type {self.item_type!r}"
        return f"({self.skill}, {level}, {item_type})"

    def matches(self, bank: AssemblyBank) -> BoolArray:
        found = bank.skill == self.skill
        if self.level is not None:
            found &= bank.level == self.level
        if self.item_type is not None:
            found &= bank.item_type == self.item_type
        return found

    def overlaps(self, other: BlueprintCell) -> bool:
        return (
            self.skill == other.skill
            and (self.level is None or other.level is None or self.level == other.level)
            and (self.item_type is None or other.item_type is None or self.item_type == other.item_type)
        )


@dataclass(frozen=True)
class FormBlueprint:
    """Exact item counts per cell, and optionally exact stimulus-unit counts per skill.

    Cells must not overlap, so each item counts towards at most one cell and every form has
    exactly ``length`` items; an item matching no cell never enters a form. ``units`` counts
    the shared-stimulus groups (not standalone items) of a skill, e.g. reading = 4 passages.
    """

    cells: tuple[BlueprintCell, ...]
    units: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.cells:
            raise ValueError("a blueprint needs at least one cell")
        for i, cell in enumerate(self.cells):
            for other in self.cells[i + 1 :]:
                if cell.overlaps(other):
                    raise ValueError(f"cells {cell.label} and {other.label} overlap; make them disjoint")
        skills = {cell.skill for cell in self.cells}
        seen: set[str] = set()
        for skill, count in self.units:
            if skill not in skills or skill in seen or count < 0:
                raise ValueError(f"unit count for {skill!r} must be >= 0, given once, for a skill with cells")
            seen.add(skill)

    @classmethod
    def of(
        cls, cells: Mapping[tuple[str, int | None, str | None], int], units: Mapping[str, int] | None = None
    ) -> FormBlueprint:
        """Build from ``{(skill, level, item_type): count}`` and ``{skill: units}``."""
        return cls(
            tuple(BlueprintCell(skill, count, level, item_type) for (skill, level, item_type), count in cells.items()),
            tuple((units or {}).items()),
        )

    @property
    def length(self) -> int:
        return sum(cell.count for cell in self.cells)

    def cell_of(self, bank: AssemblyBank) -> IntArray:
        """The cell each bank item counts towards, -1 for none."""
        found = np.full(bank.size, -1, dtype=np.intp)
        for index, cell in enumerate(self.cells):
            found[cell.matches(bank)] = index
        return found


@dataclass(frozen=True, eq=False)
class TargetInformation:
    """The test information curve every form should follow, at a few abilities."""

    thetas: FloatArray
    values: FloatArray

    def __post_init__(self) -> None:
        thetas = np.asarray(self.thetas, dtype=np.float64).reshape(-1)
        values = np.asarray(self.values, dtype=np.float64).reshape(-1)
        if thetas.size == 0 or thetas.size != values.size:
            raise ValueError("a target needs as many information values as thetas, at least one")
        if not (np.all(np.isfinite(thetas)) and np.all(np.diff(thetas) > 0)):
            raise ValueError("target thetas must be finite and increasing")
        if not (np.all(np.isfinite(values)) and np.all(values > 0)):
            raise ValueError("target information values must be finite and > 0")
        object.__setattr__(self, "thetas", thetas)
        object.__setattr__(self, "values", values)

    @classmethod
    def mean_of_bank(cls, bank: AssemblyBank, blueprint: FormBlueprint, thetas: ArrayLike) -> TargetInformation:
        """The information of an average form: per cell, the bank's mean item curve times the count.

        Raises ValueError when the blueprint's items carry no information at some theta.
        """
        info = bank.information(thetas)
        cell_of = blueprint.cell_of(bank)
        total = np.zeros(info.shape[1])
        for index, cell in enumerate(blueprint.cells):
            members = cell_of == index
            if members.any():
                total += cell.count * info[members].mean(axis=0)
        return cls(np.asarray(thetas, dtype=np.float64), total)


def _column(values: ArrayLike, n: int, name: str, dtype: type) -> NDArray[Any]:
    column = np.asarray(values, dtype=dtype).reshape(-1)
    if column.size != n:
        raise ValueError(f"{name} has {column.size} values for {n} items")
    return column.copy()
