"""Sequential assembly of parallel fixed forms: a greedy fill by units, then a swap pass.

Each form is built in turn. The greedy fill places shared-stimulus units first (their
counts are fixed per skill, and a look-ahead keeps the remaining cell counts reachable),
then standalone items; each step takes the unit whose information per item is closest to
what the form still lacks per remaining slot (the idea of Luecht's normalized weighted
absolute deviation heuristic, here with squared relative errors), with penalties for
earlier use, for concentrating overlap on one earlier form, and for exposure. A swap
pass then trades units for like units (same cells, same skill) while the form's distance
to the target shrinks.

Hard constraints (exact cells and unit counts, whole units, enemies, the overlap bound, the
use cap, the exposure ceiling) are never relaxed: what the bank cannot meet is refused with
:class:`InfeasibleConstraint`. The one soft goal, closeness to the target information, is
reported per form.
"""

from __future__ import annotations

import math

import numpy as np

from assessment.psychometrics.assembly.bank import (
    AssemblyBank,
    BoolArray,
    FormBlueprint,
    IntArray,
    TargetInformation,
)
from assessment.psychometrics.assembly.report import AssemblyReport, build_report
from assessment.psychometrics.cat.constraints import InfeasibleConstraint
from assessment.psychometrics.models import FloatArray

# Score weights, on the scale of the squared relative information error per item (about 0.1-1).
_USE_WEIGHT = 1.0  # per earlier use, relative to the fair share of uses in the unit's cells
_CONCENTRATION_WEIGHT = 0.5  # overlap with the single closest earlier form, relative to the bound
_EXPOSURE_WEIGHT = 0.05  # a tie-break: fresher items among near-equal candidates
_JITTER = 1e-3
_ATTEMPTS = 4
_SWAP_ROUNDS = 3
_TRIES = 8  # candidates checked, best first, for not blocking the rest of the form


def assemble_forms(
    bank: AssemblyBank,
    blueprint: FormBlueprint,
    target: TargetInformation,
    n_forms: int,
    *,
    max_overlap: float = 0.25,
    max_uses_per_item: int | None = None,
    exposure_ceiling: float | None = None,
    tolerance: float = 0.1,
    seed: int = 0,
) -> AssemblyReport:
    """Assemble ``n_forms`` parallel forms meeting the blueprint exactly, close to the target.

    ``max_overlap`` bounds the fraction of a form's items shared with any single other form.
    Deterministic for a given seed. Raises InfeasibleConstraint naming the cell or the
    constraint, with the numbers, when the bank cannot meet it; ValueError for bad arguments.
    """
    if n_forms < 1:
        raise ValueError(f"n_forms must be >= 1, got {n_forms}")
    if not 0.0 <= max_overlap <= 1.0:
        raise ValueError(f"max_overlap must be a fraction in [0, 1], got {max_overlap}")
    if max_uses_per_item is not None and max_uses_per_item < 1:
        raise ValueError(f"max_uses_per_item must be >= 1, got {max_uses_per_item}")
    if tolerance <= 0:
        raise ValueError(f"tolerance must be > 0, got {tolerance}")
    assembler = _Assembler(bank, blueprint, target, n_forms, max_overlap, max_uses_per_item, exposure_ceiling)
    rng = np.random.default_rng(seed)
    chosen = [assembler.build_form(index, rng) for index in range(n_forms)]
    return assembler.report(chosen, tolerance)


class _Assembler:
    """The bank regrouped into units (a standalone item is a unit of one), and the running state."""

    def __init__(
        self,
        bank: AssemblyBank,
        blueprint: FormBlueprint,
        target: TargetInformation,
        n_forms: int,
        max_overlap: float,
        max_uses: int | None,
        ceiling: float | None,
    ) -> None:
        self.bank, self.blueprint, self.target, self.n_forms = bank, blueprint, target, n_forms
        self.length = blueprint.length
        self.allowed_shared = math.floor(max_overlap * self.length + 1e-9)
        self.max_uses = max_uses
        n_cells = len(blueprint.cells)
        self.need = np.array([cell.count for cell in blueprint.cells], dtype=np.intp)

        keys = np.where(bank.unit >= 0, bank.unit, -1 - np.arange(bank.size))
        _, self.unit_of = np.unique(keys, return_inverse=True)
        self.unit_of = self.unit_of.reshape(-1)
        n_units = int(self.unit_of.max()) + 1
        order = np.argsort(self.unit_of, kind="stable")
        self.members = np.split(order, np.cumsum(np.bincount(self.unit_of, minlength=n_units))[:-1])
        first = np.array([m[0] for m in self.members], dtype=np.intp)
        self.grouped = bank.unit[first] >= 0
        self.skill_names = tuple(sorted({cell.skill for cell in blueprint.cells}))
        self.unit_skill = np.array(
            [self.skill_names.index(s) if s in self.skill_names else -1 for s in bank.skill[first]], dtype=np.intp
        )
        self.size = np.bincount(self.unit_of, minlength=n_units)

        cell_of = blueprint.cell_of(bank)
        self.cell_of = cell_of
        self.cells = np.zeros((n_units, n_cells), dtype=np.intp)
        placed = cell_of >= 0
        np.add.at(self.cells, (self.unit_of[placed], cell_of[placed]), 1)
        fits_blueprint = self.cells.sum(axis=1) == self.size

        above = np.zeros(bank.size, dtype=bool) if ceiling is None else bank.exposure > ceiling
        unit_above = np.bincount(self.unit_of, weights=above, minlength=n_units) > 0
        self.excluded = np.flatnonzero(unit_above[self.unit_of])
        self.usable = fits_blueprint & ~unit_above

        info = bank.information(target.thetas)
        self.unit_info = np.zeros((n_units, target.thetas.size))
        np.add.at(self.unit_info, self.unit_of, info)
        rated = np.isnan(bank.a)
        self.unit_scored = np.bincount(self.unit_of, weights=~rated, minlength=n_units)
        exposure = np.bincount(self.unit_of, weights=bank.exposure, minlength=n_units) / self.size
        self.exposure_score = exposure / exposure.max() if exposure.max() > 0 else exposure
        # Share of each cell's items that carry information, to count the informative slots left.
        usable_items = self.usable[self.unit_of] & placed
        in_cell = np.bincount(cell_of[usable_items], minlength=n_cells)
        self.cell_available = in_cell
        scored = np.bincount(cell_of[usable_items & ~rated], minlength=n_cells)
        self.cell_info_share = np.divide(scored, in_cell, out=np.zeros(n_cells), where=in_cell > 0)

        self.unit_quota = np.full(len(self.skill_names), -1, dtype=np.intp)
        for skill, count in blueprint.units:
            self.unit_quota[self.skill_names.index(skill)] = count
        self.quota_skill_unit = self.grouped & (self.unit_skill >= 0) & (self.unit_quota[self.unit_skill] >= 0)

        pattern = np.column_stack([self.cells, self.grouped, self.unit_skill])
        _, self.pattern = np.unique(pattern, axis=0, return_inverse=True)
        self.pattern = self.pattern.reshape(-1)

        self.enemy_units: list[IntArray] = [np.empty(0, dtype=np.intp)] * n_units
        if bank.enemies.size:
            pairs = self.unit_of[bank.enemies]
            pairs = np.unique(np.vstack([pairs, pairs[:, ::-1]]), axis=0)
            starts = np.searchsorted(pairs[:, 0], np.arange(n_units + 1))
            self.enemy_units = [pairs[starts[u] : starts[u + 1], 1] for u in range(n_units)]

        ratio = np.divide(self.need * n_forms, in_cell, out=np.full(n_cells, np.inf), where=in_cell > 0)
        unit_ratio = np.where(self.cells > 0, ratio, 0.0).max(axis=1)
        self.fair_uses = np.maximum(np.ceil(np.minimum(unit_ratio, 1e6)), 1.0)

        self.skill_columns = [np.array([cell.skill == skill for cell in blueprint.cells]) for skill in self.skill_names]
        # Each unit's counts in its own skill's cells, numbered: the look-ahead works on these shapes.
        self.shapes: list[tuple[int, ...]] = []
        self.shape_of = np.zeros(n_units, dtype=np.intp)
        numbered: dict[tuple[int, ...], int] = {}
        for u, (s, row) in enumerate(zip(self.unit_skill.tolist(), self.cells.tolist(), strict=True)):
            shape = tuple(v for v, inside in zip(row, self.skill_columns[s], strict=True) if inside) if s >= 0 else ()
            self.shape_of[u] = numbered.setdefault(shape, len(numbered))
            if len(numbered) > len(self.shapes):
                self.shapes.append(shape)
        self._finish_memo: dict[tuple[object, ...], bool] = {}
        self.uses = np.zeros(n_units, dtype=np.intp)
        self.form_units = np.zeros((n_forms, n_units), dtype=np.intp)  # unit size where a form holds it
        self._check_feasible()

    def _check_feasible(self) -> None:
        bank, n_forms = self.bank, self.n_forms
        excluded = np.zeros(bank.size, dtype=bool)
        excluded[self.excluded] = True
        for index, cell in enumerate(self.blueprint.cells):
            available = int(self.cell_available[index])
            if cell.count > available:
                in_cell = self.cell_of == index
                raise InfeasibleConstraint(
                    f"cell {cell.label} needs {cell.count} items but the bank has {available} usable: "
                    f"{int(in_cell.sum())} in the cell, {int((in_cell & excluded).sum())} of them excluded by the "
                    "exposure ceiling (with their unit mates), the rest in units reaching outside the blueprint"
                )
            if self.max_uses is not None and cell.count * n_forms > available * self.max_uses:
                raise InfeasibleConstraint(
                    f"cell {cell.label}: {n_forms} forms need {cell.count * n_forms} item uses but "
                    f"{available} usable items used at most {self.max_uses} times give {available * self.max_uses}"
                )
        for skill, count in self.blueprint.units:
            s = self.skill_names.index(skill)
            available = int((self.usable & self.grouped & (self.unit_skill == s)).sum())
            if count > available:
                raise InfeasibleConstraint(f"skill {skill!r} needs {count} units but the bank has {available} usable")
        if n_forms > 1:
            self._check_overlap_feasible()

    def _check_overlap_feasible(self) -> None:
        """Refuse overlap bounds that no assembly can meet, by counting (a lower bound, not a proof)."""
        n_forms, allowed = self.n_forms, self.allowed_shared
        for skill, count in self.blueprint.units:
            s = self.skill_names.index(skill)
            units = self.usable & self.grouped & (self.unit_skill == s)
            # A unit longer than the bound can appear in one form only.
            capacity = (
                int((units & (self.size > allowed)).sum()) + int((units & (self.size <= allowed)).sum()) * n_forms
            )
            if count * n_forms > capacity:
                raise InfeasibleConstraint(
                    f"overlap bound: {n_forms} forms need {count * n_forms} {skill} units but the bank's "
                    f"{int(units.sum())} usable units allow {capacity} uses, as a unit of more than {allowed} "
                    f"items may appear in only one form"
                )
        # Pigeonhole: uses spread as evenly as possible still share this many items over all pairs.
        pairs_shared = 0
        for s, skill in enumerate(self.skill_names):
            by_items = sum(
                _least_pairs(cell.count * n_forms, int(self.cell_available[index]))
                for index, cell in enumerate(self.blueprint.cells)
                if cell.skill == skill
            )
            count = dict(self.blueprint.units).get(skill, 0)
            units = self.usable & self.grouped & (self.unit_skill == s)
            by_units = _least_pairs(count * n_forms, int(units.sum())) * int(self.size[units].min()) if count else 0
            pairs_shared += max(by_items, by_units)
        least = math.ceil(pairs_shared / math.comb(n_forms, 2))
        if least > allowed:
            raise InfeasibleConstraint(
                f"overlap bound: {n_forms} forms of {self.length} items share at least {least} items per pair "
                f"on average with this bank, but the bound allows {allowed} ({allowed / self.length:.0%} of a form)"
            )

    def build_form(self, index: int, rng: np.random.Generator) -> IntArray:
        """The units of form ``index``, built and improved, then recorded as used."""
        problem = ""
        for _ in range(_ATTEMPTS):
            jitter = rng.uniform(0.0, _JITTER, self.size.size)
            state = _FormState(self, index)
            problem = self._fill(state, jitter)
            if not problem:
                self._improve(state)
                chosen = np.array(sorted(state.units), dtype=np.intp)
                self.uses[chosen] += 1
                self.form_units[index, chosen] = self.size[chosen]
                return chosen
        raise InfeasibleConstraint(f"form {index + 1} of {self.n_forms}: {problem}")

    def _fill(self, state: _FormState, jitter: FloatArray) -> str:
        while state.deficit.any():
            found, open_quota = self._candidates(state)
            if found.size == 0:
                return self._describe_dead_end(state, open_quota)
            # Spreading use is a rule, not a weight: past its fair share a unit waits for the others.
            fresh = found[self.uses[found] < self.fair_uses[found]]
            if fresh.size:
                found = fresh
            ranked = found[np.argsort(self._scores(state, found) + jitter[found], kind="stable")]
            # A unit with enemies, or already in earlier forms, may block what the form still
            # needs: take the best of those that leave every open cell and unit count reachable.
            for unit in ranked[:_TRIES].tolist():
                state.add(unit)
                if not (self.enemy_units[unit].size or self.uses[unit]) or self._completable(state):
                    break
                state.remove(unit)
            else:
                state.add(int(ranked[0]))
        return ""

    def _candidates(self, state: _FormState) -> tuple[IntArray, BoolArray]:
        """Units that may join the form now, and the skills whose unit counts are still open."""
        open_quota = (self.unit_quota >= 0) & (state.units_left > 0)
        eligible = state.eligible()
        base = eligible & np.all(self.cells <= state.deficit, axis=1)
        if open_quota.any():
            candidates = base & self.quota_skill_unit & open_quota[self.unit_skill]
            candidates &= self._reachable(state, candidates, eligible)
        else:
            candidates = base & ~self.quota_skill_unit
        return np.flatnonzero(candidates), open_quota

    def _completable(self, state: _FormState) -> bool:
        """Whether each open skill still has a usable unit, and each open cell enough supply."""
        if not state.deficit.any():
            return True
        found, open_quota = self._candidates(state)
        if open_quota.any():
            return bool(np.isin(np.flatnonzero(open_quota), self.unit_skill[found]).all())
        return bool(np.all(self.cells[found].sum(axis=0) >= state.deficit))

    def _reachable(self, state: _FormState, candidates: BoolArray, eligible: BoolArray) -> BoolArray:
        """Candidates after which each skill's unit count and cell counts can still be met exactly."""
        keep = np.zeros_like(candidates)
        # Supply beyond the need changes nothing, so capping it lets answers be reused across forms.
        standalone = np.minimum(self.cells[eligible & ~self.grouped].sum(axis=0), self.need)
        for s in np.flatnonzero(state.units_left > 0):
            of_skill = np.flatnonzero(candidates & (self.unit_skill == s))
            if of_skill.size == 0:
                continue
            columns = self.skill_columns[s]
            present = np.unique(self.shape_of[of_skill])
            shapes = tuple(self.shapes[p] for p in present.tolist())
            supply = tuple(standalone[columns].tolist())
            deficit = state.deficit[columns].tolist()
            left = int(state.units_left[s]) - 1
            ok = np.zeros(len(self.shapes), dtype=bool)
            for p, shape in zip(present.tolist(), shapes, strict=True):
                after = tuple(d - q for d, q in zip(deficit, shape, strict=True))
                ok[p] = self._can_finish(after, left, shapes, supply)
            keep[of_skill] = ok[self.shape_of[of_skill]]
        return keep

    def _can_finish(
        self, deficit: tuple[int, ...], left: int, shapes: tuple[tuple[int, ...], ...], supply: tuple[int, ...]
    ) -> bool:
        """Whether exactly ``left`` more units of these shapes, then standalone items, meet the deficit."""
        if min(deficit) < 0:
            return False
        if left == 0:
            return all(d <= s for d, s in zip(deficit, supply, strict=True))
        key = (deficit, left, shapes, supply)
        found = self._finish_memo.get(key)
        if found is None:
            found = any(
                self._can_finish(tuple(d - p for d, p in zip(deficit, shape, strict=True)), left - 1, shapes, supply)
                for shape in shapes
            )
            self._finish_memo[key] = found
        return found

    def _scores(self, state: _FormState, units: IntArray) -> FloatArray:
        target = self.target.values
        slots = float((state.deficit * self.cell_info_share).sum())
        per_slot = (target - state.info) / slots if slots > 0 else np.zeros_like(target)
        scale = target / max(float((self.need * self.cell_info_share).sum()), 1.0)
        scored = self.unit_scored[units]
        per_item = self.unit_info[units] / np.maximum(scored, 1.0)[:, None]
        fit = np.where(scored > 0, (((per_item - per_slot) / scale) ** 2).mean(axis=1), 0.0)
        score = fit + _USE_WEIGHT * self.uses[units] / self.fair_uses[units]
        score += _EXPOSURE_WEIGHT * self.exposure_score[units]
        if state.index and self.allowed_shared:
            closest = (state.shared[:, None] + self.form_units[: state.index, units]).max(axis=0)
            score += _CONCENTRATION_WEIGHT * closest / self.allowed_shared
        return score

    def _improve(self, state: _FormState) -> None:
        """Swap units for like units (same pattern of cells) while the distance to the target shrinks."""
        for _ in range(_SWAP_ROUNDS):
            improved = False
            for old in sorted(state.units):
                like = np.flatnonzero(self.pattern == self.pattern[old])
                state.remove(old)
                like = like[(self.uses[like] <= self.uses[old]) | (self.uses[like] < self.fair_uses[like])]
                like = like[state.eligible(like)]
                if like.size:
                    info = state.info + self.unit_info[like]
                    distance = (((info - self.target.values) / self.target.values) ** 2).sum(axis=1)
                    best = int(like[np.argmin(distance)])
                    own = (((state.info + self.unit_info[old] - self.target.values) / self.target.values) ** 2).sum()
                    if distance.min() < own - 1e-12 and best != old:
                        state.add(best)
                        improved = True
                        continue
                state.add(old)
            if not improved:
                return

    def _describe_dead_end(self, state: _FormState, open_quota: BoolArray) -> str:
        if open_quota.any():
            s = int(np.flatnonzero(open_quota)[0])
            pool = self.usable & self.quota_skill_unit & (self.unit_skill == s)
            return (
                f"no usable unit can complete the {int(state.units_left[s])} more units of "
                f"{self.skill_names[s]!r} with the cell counts left; {self._blocked(state, pool)}"
            )
        cell = int(np.flatnonzero(state.deficit)[0])
        pool = self.usable & (self.cells[:, cell] > 0) & ~self.quota_skill_unit
        return (
            f"cell {self.blueprint.cells[cell].label} still needs {int(state.deficit[cell])} items; "
            f"{self._blocked(state, pool)}"
        )

    def _blocked(self, state: _FormState, pool: BoolArray) -> str:
        return (
            f"of its {int(pool.sum())} usable units {int((pool & state.taken).sum())} are in the form, "
            f"{int((pool & (state.enemy_count > 0)).sum())} are enemies of the form's items, "
            f"{int((pool & ~state.overlap_ok()).sum())} would break the overlap bound "
            f"({self.allowed_shared} items), {int((pool & ~state.uses_ok()).sum())} reached the use cap"
        )

    def report(self, chosen: list[IntArray], tolerance: float) -> AssemblyReport:
        items = [np.sort(np.concatenate([self.members[u] for u in units])) for units in chosen]
        information = [self.unit_info[units].sum(axis=0) for units in chosen]
        return build_report(self.bank, self.target, items, information, tolerance, self.excluded)


def _least_pairs(uses: int, items: int) -> int:
    """Fewest (form pair, shared item) incidences when ``uses`` are spread over ``items`` evenly."""
    per_item, extra = divmod(uses, items)
    return extra * math.comb(per_item + 1, 2) + (items - extra) * math.comb(per_item, 2)


class _FormState:
    """The form under construction: its units, what its cells still need, its information."""

    def __init__(self, assembler: _Assembler, index: int) -> None:
        self.owner = assembler
        self.index = index
        self.units: set[int] = set()
        self.deficit = assembler.need.copy()
        self.units_left = assembler.unit_quota.copy()
        self.info = np.zeros(assembler.target.thetas.size)
        self.shared = np.zeros(index, dtype=np.intp)  # items shared with each earlier form
        self.enemy_count = np.zeros(assembler.size.size, dtype=np.intp)
        self.taken = np.zeros(assembler.size.size, dtype=bool)

    def add(self, unit: int) -> None:
        self._apply(unit, 1)

    def remove(self, unit: int) -> None:
        self._apply(unit, -1)

    def _apply(self, unit: int, sign: int) -> None:
        a = self.owner
        (self.units.add if sign > 0 else self.units.remove)(unit)
        self.taken[unit] = sign > 0
        self.deficit -= sign * a.cells[unit]
        if a.quota_skill_unit[unit]:
            self.units_left[a.unit_skill[unit]] -= sign
        self.info += sign * a.unit_info[unit]
        self.shared += sign * a.form_units[: self.index, unit]
        self.enemy_count[a.enemy_units[unit]] += sign

    def uses_ok(self) -> BoolArray:
        return (
            np.ones(self.taken.size, dtype=bool)
            if self.owner.max_uses is None
            else self.owner.uses < self.owner.max_uses
        )

    def overlap_ok(self) -> BoolArray:
        a = self.owner
        ok = np.ones(self.taken.size, dtype=bool)
        used = np.flatnonzero(a.uses > 0)
        if self.index and used.size:
            ok[used] = (self.shared[:, None] + a.form_units[: self.index, used]).max(axis=0) <= a.allowed_shared
        return ok

    def eligible(self, units: IntArray | None = None) -> BoolArray:
        """Which units (all, or those given) could join the form now without breaking a hard constraint."""
        a = self.owner
        if units is None:
            return a.usable & ~self.taken & (self.enemy_count == 0) & self.uses_ok() & self.overlap_ok()
        ok = a.usable[units] & ~self.taken[units] & (self.enemy_count[units] == 0)
        if a.max_uses is not None:
            ok &= a.uses[units] < a.max_uses
        if self.index:
            shared = (self.shared[:, None] + a.form_units[: self.index, units]).max(axis=0)
            ok &= shared <= a.allowed_shared
        return ok
