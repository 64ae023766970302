"""Which cells of a survey's results hide their answers: too few respondents, or one of them could be worked out.

The cells are the whole survey (``WHOLE``), a unit ``("unit", unit_id)``, a target group ``("group", name)`` and
a group within a unit ``("cell", unit_id, name)``. The results show sums: the whole of its units and of its
groups, each unit of its groups, each group of its units (reading one unit at a time). A cell of fewer than the
minimum respondents is hidden (primary suppression); more cells are then hidden (complementary suppression)
until subtracting shown cells from shown totals gives none of the hidden cells away, nor a lump of hidden
cells smaller than the minimum. The cells hide whatever the asker's view, so that views cannot be combined.

What is guaranteed, over the whole table (every unit x group, both margins and the whole) and so over every view,
each view being a part of that table: take any combination of shown totals a reader can compute, as a sum over
the (unit, group) cells not shown on their own. Its cells that add in hold no people, or at least the minimum;
so do those that subtract. Hence no sum of hidden cells of 1 to minimum - 1 people is ever known, nor is a
difference that would pin such a group at its bounds (all of them one answer). ``_disclosing_total`` checks this
exactly, by linear programming per small cell. What is not guaranteed: a computable group of the minimum or more
who all gave one answer is read as such, as a cell shown with everyone on one answer is.

Each question is decided the same way over the people who answered it (``suppressed_answers``): an optional
question answered by a few of a shown cell hides its answers there, and where they could be subtracted out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np
from scipy.optimize import linprog

# The fewest respondents whose answers a cell of the results shows, the usual figure for staff surveys: below
# it, HR could read a colleague's answers off a small unit or group.
MIN_GROUP_SIZE = 5

WHOLE: tuple = ("whole",)

Sum = tuple[tuple, list[tuple]]  # a total and its parts


def suppressed_cells(respondents: Mapping[tuple[int, str], int], minimum: int = MIN_GROUP_SIZE) -> set[tuple]:
    """The cells whose answers the results hide, from the number of respondents per (unit, target group)."""
    size: Counter[tuple] = Counter()
    for (unit, group), count in respondents.items():
        for cell in (WHOLE, ("unit", unit), ("group", group), ("cell", unit, group)):
            size[cell] += count
    units, groups = sorted({unit for unit, _ in respondents}), sorted({group for _, group in respondents})
    sums: list[Sum] = [(WHOLE, [("unit", unit) for unit in units]), (WHOLE, [("group", group) for group in groups])]
    sums += [(("unit", unit), [("cell", unit, group) for group in groups if (unit, group) in respondents])
             for unit in units]
    sums += [(("group", group), [("cell", unit, group) for unit in units if (unit, group) in respondents])
             for group in groups]
    hidden = {cell for cell, count in size.items() if 0 < count < minimum}
    safe: set[tuple[int, str]] = set()
    while True:
        more = next((cell for total, parts in sums
                     if (cell := _complement(total, parts, hidden, size, minimum)) is not None), None)
        if more is None:
            more = _complement_of_worked_out(sums, hidden, size)
        if more is None:
            more = _disclosing_total(respondents, hidden, size, minimum, safe)
        if more is None:
            return hidden
        hidden.add(more)


def suppressed_answers(respondents: Mapping[tuple[int, str], int],
                       answered: Mapping[str, Mapping[tuple[int, str], int]],
                       minimum: int = MIN_GROUP_SIZE) -> tuple[set[tuple], dict[str, set[tuple]]]:
    """The cells whose answers the results hide, and per question id the cells that hide that question's answers:
    ``suppressed_cells`` over the number of people who answered it per (unit, target group)."""
    decided: dict[frozenset, set[tuple]] = {}

    def decide(counts: Mapping[tuple[int, str], int]) -> set[tuple]:
        # A (unit, group) where no one answered is known to hold nothing: it hides nothing and shields nothing.
        # Questions answered by the same numbers of people (one everyone answered: the respondents) share one
        # decision, so only the optional questions cost a decision of their own.
        key = frozenset((cell, count) for cell, count in counts.items() if count > 0)
        if key not in decided:
            decided[key] = suppressed_cells(dict(key), minimum)
        return decided[key]

    return decide(respondents), {question: decide(counts) for question, counts in answered.items()}


def _smallest(cells, size: Mapping[tuple, int]) -> tuple | None:
    return min(cells, key=lambda cell: (size[cell], cell), default=None)


def _complement(total: tuple, parts: list[tuple], hidden: set[tuple], size: Mapping[tuple, int],
                minimum: int) -> tuple | None:
    """A cell to hide so that ``total`` = sum of ``parts`` alone gives nothing away: the smallest part shown, or
    the total when every part is hidden. None when that sum is safe."""
    hidden_parts = [part for part in parts if part in hidden]
    shown_parts = [part for part in parts if part not in hidden]
    if total in hidden:  # the parts, were every one shown, would add up to it
        return None if hidden_parts else _smallest(shown_parts, size)
    # The hidden parts add up to the total less the parts shown: a lump of nobody, or of enough people, and never
    # one part alone.
    if not hidden_parts or (len(hidden_parts) > 1 and sum(size[part] for part in hidden_parts) >= minimum):
        return None
    return _smallest(shown_parts, size) or total


def _complement_of_worked_out(sums: list[Sum], hidden: set[tuple], size: Mapping[tuple, int]) -> tuple | None:
    """A cell to hide when the sums together (not one at a time) still give a hidden cell away: the smallest
    shown cell that shares a sum with it. None when every hidden cell can take more than one value."""
    if not hidden:
        return None
    cells = sorted(hidden)
    column = {cell: index for index, cell in enumerate(cells)}
    matrix = np.zeros((len(sums), len(cells)))
    for row, (total, parts) in enumerate(sums):
        for cell, sign in ((total, 1.0), *((part, -1.0) for part in parts)):
            if cell in column:
                matrix[row, column[cell]] += sign
    # The hidden cells' values solve matrix @ x = (what the shown cells make known); a cell is given away when
    # every solution agrees on it, that is when no direction of the null space moves it.
    _, singular, right = np.linalg.svd(matrix)
    free = right[int((singular > 1e-9).sum()):]
    given_away = [cell for index, cell in enumerate(cells) if not (np.abs(free[:, index]) > 1e-9).any()]
    if not given_away:
        return None
    neighbours = {cell for total, parts in sums if given_away[0] in (total, *parts) for cell in (total, *parts)}
    return _smallest(neighbours - hidden, size) or _smallest(set(size) - hidden, size)


def _disclosing_total(respondents: Mapping[tuple[int, str], int], hidden: set[tuple], size: Mapping[tuple, int],
                      minimum: int, safe: set[tuple[int, str]]) -> tuple | None:
    """A shown cell to hide when some combination of the shown ones gives away fewer than ``minimum`` people: the
    smallest shown cell the combination uses. None when none does.

    The unknowns are the (unit, group) cells not shown; a shown cell is the sum of its (unit, group) cells. A
    reader computes v @ x for every v in the row space of the shown cells. Where the data make v @ x its largest,
    every cell with v > 0 holds only one answer and every cell with v < 0 none of it: so the people of each side
    of v must be none or at least ``minimum``. For each small cell b, a linear program finds the v with v[b] = 1,
    no entry above 1 (b is then a largest entry of v, which every v has) and the fewest people on its positive
    side, counted as sum(size * max(v, 0)), which for a v of entries within [-inf, 1] is at most its people. A
    value under ``minimum`` gives the v; none under it, no v exists (-v covers the negative sides).

    ``safe`` holds the small cells found safe so far: hiding more only takes combinations away, so they stay safe.
    """
    base = sorted(respondents)
    unknown = [cell for cell in base if ("cell", *cell) in hidden]
    small = sorted((cell for cell in unknown if respondents[cell] < minimum and cell not in safe),
                   key=lambda c: (respondents[c], c))
    # a shown (unit, group) cell is known and holds no unknown: it adds nothing to a combination
    shown = sorted(cell for cell in size if cell not in hidden and cell[0] != "cell")
    if not small or not shown:
        return None

    def holds(aggregate: tuple, unit: int, group: str) -> bool:
        return aggregate == WHOLE or aggregate in (("unit", unit), ("group", group), ("cell", unit, group))

    # rows: shown cells, columns: the unknown (unit, group) cells (a shown (unit, group) cell is a known one)
    matrix = np.array([[1.0 if holds(aggregate, *cell) else 0.0 for cell in unknown] for aggregate in shown])
    people = np.array([float(respondents[cell]) for cell in unknown])
    n_shown, n_unknown = matrix.shape
    # variables: y (one per shown cell, free), then w >= max(v, 0) per unknown cell; v = matrix.T @ y
    cost = np.concatenate([np.zeros(n_shown), people])
    upper = np.block([[matrix.T, -np.eye(n_unknown)],                        # v - w <= 0
                      [matrix.T, np.zeros((n_unknown, n_unknown))]])        # v <= 1
    bound = np.concatenate([np.zeros(n_unknown), np.ones(n_unknown)])
    limits = [(None, None)] * n_shown + [(0, None)] * n_unknown
    for cell in small:
        column = unknown.index(cell)
        equal = np.concatenate([matrix[:, column], np.zeros(n_unknown)])[None, :]
        result = linprog(cost, A_ub=upper, b_ub=bound, A_eq=equal, b_eq=[1.0], bounds=limits, method="highs")
        if result.status == 0 and result.fun < minimum - 1e-7:
            used = [aggregate for aggregate, weight in zip(shown, result.x[:n_shown], strict=True)
                    if abs(weight) > 1e-7]
            return _smallest(used, size)
        safe.add(cell)
    return None
