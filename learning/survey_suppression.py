"""Which cells of a survey's results hide their answers: too few respondents, or one of them could be worked out.

The cells are the whole survey (``WHOLE``), a unit ``("unit", unit_id)``, a target group ``("group", name)`` and
a group within a unit ``("cell", unit_id, name)``. The results show sums: the whole of its units and of its
groups, each unit of its groups, each group of its units (reading one unit at a time). A cell of fewer than the
minimum respondents is hidden (primary suppression); more cells are then hidden (complementary suppression)
until subtracting shown cells from shown totals gives none of the hidden cells away, nor a lump of hidden
cells smaller than the minimum. The cells hide whatever the asker's view, so that views cannot be combined.

Each question is decided the same way over the people who answered it (``suppressed_answers``): an optional
question answered by a few of a shown cell hides its answers there, and where they could be subtracted out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

import numpy as np

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
    while True:
        more = next((cell for total, parts in sums
                     if (cell := _complement(total, parts, hidden, size, minimum)) is not None), None)
        if more is None:
            more = _complement_of_worked_out(sums, hidden, size)
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
