"""Which cells of a survey's results hide their answers (no database): too small, or given away by subtraction."""

from __future__ import annotations

import itertools
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from learning.survey_suppression import MIN_GROUP_SIZE, WHOLE, suppressed_answers, suppressed_cells


def shown_sums(respondents: dict[tuple[int, str], int]) -> list[tuple[tuple, list[tuple]]]:
    """The totals the results show with their parts: the whole of its units and of its groups, each unit of
    its groups, each group of its units (HR reads one unit at a time)."""
    units, groups = sorted({u for u, _ in respondents}), sorted({g for _, g in respondents})
    sums = [(WHOLE, [("unit", u) for u in units]), (WHOLE, [("group", g) for g in groups])]
    sums += [(("unit", u), [("cell", u, g) for g in groups if (u, g) in respondents]) for u in units]
    sums += [(("group", g), [("cell", u, g) for u in units if (u, g) in respondents]) for g in groups]
    return sums


def sizes(respondents: dict[tuple[int, str], int]) -> dict[tuple, int]:
    size: dict[tuple, int] = {}
    for (unit, group), count in respondents.items():
        for cell in (WHOLE, ("unit", unit), ("group", group), ("cell", unit, group)):
            size[cell] = size.get(cell, 0) + count
    return size


def given_away(respondents: dict[tuple[int, str], int], hidden: set[tuple]) -> list[tuple]:
    """The hidden cells the shown ones fix: those whose unit vector lies in the row space of the sums over the
    hidden cells (each sum, less its shown cells, is known)."""
    cells = sorted(hidden)
    if not cells:
        return []
    matrix = np.zeros((len(shown_sums(respondents)), len(cells)))
    for row, (total, parts) in enumerate(shown_sums(respondents)):
        for cell, sign in ((total, 1), *((part, -1) for part in parts)):
            if cell in hidden:
                matrix[row, cells.index(cell)] += sign
    rank = np.linalg.matrix_rank(matrix)
    return [cell for index, cell in enumerate(cells)
            if np.linalg.matrix_rank(np.vstack([matrix, np.eye(len(cells))[index]])) == rank]


def test_a_cell_at_the_minimum_shows_and_one_below_it_hides_with_everything_it_adds_up_to():
    assert suppressed_cells({(1, "leader"): MIN_GROUP_SIZE}) == set()
    assert suppressed_cells({(1, "leader"): MIN_GROUP_SIZE - 1}) == {
        WHOLE, ("unit", 1), ("group", "leader"), ("cell", 1, "leader")}
    assert suppressed_cells({(1, "leader"): 5, (2, "leader"): 5}, minimum=6) == {
        ("unit", 1), ("unit", 2), ("cell", 1, "leader"), ("cell", 2, "leader")}


def test_a_lone_small_unit_takes_the_next_smallest_with_it():
    """Else the whole less the units shown is the one respondent."""
    hidden = suppressed_cells({(1, "leader"): 9, (2, "leader"): 6, (3, "leader"): 1, (4, "leader"): 7})
    assert {cell for cell in hidden if cell[0] == "unit"} == {("unit", 2), ("unit", 3)}


def test_a_group_taken_whole_from_another_unit_does_not_give_a_lone_member_away():
    """North's one leader is the leaders (6) less south's five, who are all of south."""
    respondents = {(1, "leader"): 1, (1, "specialist"): 4, (2, "leader"): 5}
    hidden = suppressed_cells(respondents)
    assert ("cell", 1, "leader") in hidden
    assert ("group", "leader") in hidden or ("unit", 2) in hidden
    assert given_away(respondents, hidden) == []


def test_sums_taken_together_give_no_hidden_cell_away():
    """Every sum, one at a time, keeps two hidden cells or none here, and yet together they fixed the lone g3
    respondent of unit 1 (a case the property test below found)."""
    respondents = {(0, "g2"): 3, (0, "g3"): 4, (1, "g0"): 6, (1, "g1"): 8, (1, "g2"): 8, (1, "g3"): 1, (2, "g2"): 1,
                   (3, "g2"): 20, (3, "g3"): 1, (4, "g0"): 4, (4, "g1"): 7}
    assert given_away(respondents, suppressed_cells(respondents)) == []


GRIDS = st.dictionaries(st.tuples(st.integers(1, 6), st.sampled_from(["leader", "specialist", "part_time"])),
                        st.sampled_from([1, 1, 2, 3, 4, 5, 6, 7, 9, 20]), min_size=1, max_size=18)


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(respondents=GRIDS)
def test_no_small_cell_shows_and_no_hidden_cell_or_small_lump_can_be_subtracted_out(respondents):
    hidden = suppressed_cells(respondents)
    size = sizes(respondents)
    assert {cell for cell, count in size.items() if count < MIN_GROUP_SIZE} <= hidden
    for total, parts in shown_sums(respondents):
        lump = [size[part] for part in parts if part in hidden]
        if total in hidden:
            assert lump or not parts  # shown parts would add up to it
        else:
            assert not lump or (len(lump) > 1 and sum(lump) >= MIN_GROUP_SIZE)
    assert given_away(respondents, hidden) == []
    if min(respondents.values()) >= MIN_GROUP_SIZE:
        assert hidden == set()


def test_a_question_few_answered_hides_where_its_cell_shows_and_one_everyone_answered_hides_with_the_cells():
    respondents = {(1, "leader"): 6, (2, "leader"): 6}
    cells, questions = suppressed_answers(respondents, {
        "language": respondents, "evening": {(1, "leader"): 1, (2, "leader"): 0},
        "confidence": {(1, "leader"): 5, (2, "leader"): 2}})
    assert cells == set()
    assert questions["language"] == set()
    assert questions["evening"] == {WHOLE, ("unit", 1), ("group", "leader"), ("cell", 1, "leader")}
    # south's two are the whole's seven less north's five: north hides too, the whole (of seven) shows
    assert questions["confidence"] == {("unit", 1), ("unit", 2), ("cell", 1, "leader"), ("cell", 2, "leader")}


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(respondents=GRIDS, data=st.data())
def test_no_question_shows_a_few_answers_nor_hides_some_that_shown_ones_give_away(respondents, data):
    """Per question, as a reader would see it: a cell shown whole shows a question unless its cells hide it.
    Cells hidden whole are taken as shown here, which only gives the reader more to subtract from."""
    answered = {"everyone": dict(respondents)}
    for question in ("optional", "rarely"):
        answered[question] = {cell: data.draw(st.integers(0, count if question == "optional" else min(count, 2)))
                              for cell, count in respondents.items()}
    cells, questions = suppressed_answers(respondents, answered)
    assert cells == suppressed_cells(respondents)
    assert questions["everyone"] == cells  # its counts are the respondents': decided as the cells are
    for question, counts in answered.items():
        people = {cell: count for cell, count in counts.items() if count}
        hidden, size = questions[question], sizes(people)
        shown = {cell for cell in sizes(respondents) if cell not in cells | hidden}
        assert all(size.get(cell, 0) == 0 or size[cell] >= MIN_GROUP_SIZE for cell in shown), question
        for total, parts in shown_sums(people):
            lump = [size[part] for part in parts if part in hidden]
            if total not in hidden:  # what the shown parts leave of a shown total is nobody, or enough people
                assert not lump or (len(lump) > 1 and sum(lump) >= MIN_GROUP_SIZE), (question, total, parts)
        assert given_away(people, hidden) == [], question


# --- what a reader can work out across every view --------------------------------------------------------------

def shown_vectors(respondents: dict[tuple[int, str], int], hidden: set[tuple]) -> tuple[list, np.ndarray]:
    """The (unit, group) cells not shown on their own, and per total shown in any view (the whole view: the
    whole, its groups and units; a unit's view: the unit and its groups within it) which of them it adds up."""
    unknown = [cell for cell in sorted(respondents) if ("cell", *cell) in hidden]
    rows = [[1.0 if total in (WHOLE, ("unit", unit), ("group", group)) else 0.0 for unit, group in unknown]
            for total in sizes(respondents) if total not in hidden and total[0] != "cell"]
    return unknown, np.array(rows).reshape(len(rows), len(unknown))


def disclosures(respondents: dict[tuple[int, str], int], hidden: set[tuple], minimum: int = MIN_GROUP_SIZE,
                signed_up_to: int = 8) -> list[tuple[list, list]]:
    """Brute force: every combination of hidden cells with coefficients 1 (and -1, up to ``signed_up_to``
    unknown cells) that the shown totals compute, whose adding or subtracting side holds 1 to minimum - 1 people
    (at its largest value, each of them gave one same answer)."""
    unknown, rows = shown_vectors(respondents, hidden)
    if not unknown:
        return []
    signs = (-1, 0, 1) if len(unknown) <= signed_up_to else (0, 1)
    combinations = np.array(list(itertools.product(signs, repeat=len(unknown))), dtype=float)
    if rows.shape[0]:  # what the row space of the shown totals leaves of each combination
        basis = np.linalg.svd(rows)[2][:np.linalg.matrix_rank(rows)]
        combinations_left = combinations - combinations @ basis.T @ basis
    else:
        combinations_left = combinations
    people = np.array([respondents[cell] for cell in unknown])
    found = []
    for combination, left in zip(combinations, combinations_left, strict=True):
        if not combination.any() or np.abs(left).max() > 1e-8:
            continue
        adding, taking = people[combination > 0].sum(), people[combination < 0].sum()
        if 0 < adding < minimum or 0 < taking < minimum:
            found.append(([c for c, k in zip(unknown, combination, strict=True) if k > 0],
                          [c for c, k in zip(unknown, combination, strict=True) if k < 0]))
    return found


def test_the_whole_less_a_shown_group_within_a_unit_gives_no_small_lump_away():
    """QA's case: unit 1 has five specialists and one leader, unit 2 one specialist. The whole (7) less unit 1's
    specialists (5, shown in unit 1's view) were unit 1's leader and unit 2's specialist, all hidden elsewhere."""
    respondents = {(1, "specialist"): 5, (1, "leader"): 1, (2, "specialist"): 1}
    hidden = suppressed_cells(respondents)
    assert WHOLE in hidden or ("cell", 1, "specialist") in hidden
    assert disclosures(respondents, hidden) == []


def test_no_sum_of_hidden_cells_under_the_minimum_is_left_to_compute():
    """Found by QA's checker: each sum kept no lone hidden cell, yet unit 1's lone g1 and unit 3's lone g2 (two
    people) were the whole less everything shown around them."""
    respondents = {(0, "g0"): 3, (0, "g1"): 6, (0, "g2"): 8, (1, "g1"): 1, (2, "g0"): 6, (2, "g1"): 7,
                   (2, "g2"): 1, (3, "g1"): 5, (3, "g2"): 1}
    hidden = suppressed_cells(respondents)
    assert disclosures(respondents, hidden) == []
    assert given_away(respondents, hidden) == []


def test_a_difference_of_two_totals_does_not_pin_a_small_group():
    """Unit 1 (12) less group g (13) is unit 1's two h less unit 2's three g: at its largest (2), both of unit 1's
    h said yes and no one of unit 2's g did."""
    respondents = {(1, "g"): 10, (1, "h"): 2, (2, "g"): 3}
    hidden = suppressed_cells(respondents)
    assert disclosures(respondents, hidden) == []


def test_random_layouts_disclose_nothing_in_any_view():
    """A few hundred small layouts (fixed seed), checked by brute force over every view's shown totals."""
    chance = random.Random(20261204)
    for _ in range(300):
        units, groups = chance.randint(1, 4), chance.randint(1, 3)
        respondents = {(unit, f"g{group}"): chance.choice([1, 1, 2, 3, 4, 5, 6, 8, 10, 20])
                       for unit in range(units) for group in range(groups) if chance.random() < 0.8}
        if not respondents:
            continue
        minimum = chance.choice([MIN_GROUP_SIZE, MIN_GROUP_SIZE, 3])
        hidden = suppressed_cells(respondents, minimum)
        size = sizes(respondents)
        assert {cell for cell, count in size.items() if count < minimum} <= hidden, respondents
        assert disclosures(respondents, hidden, minimum) == [], (respondents, minimum)
        assert given_away(respondents, hidden) == [], respondents
