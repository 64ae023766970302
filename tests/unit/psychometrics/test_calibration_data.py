"""The long-form response container: missing stays missing, bad input is named, layouts agree."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from assessment.psychometrics.calibration import InvalidResponses, ResponseData
from assessment.psychometrics.calibration.data import Design


def test_from_long_keeps_only_observed_pairs_and_declared_items() -> None:
    data = ResponseData.from_long(
        ["p1", "p1", "p2", "p3", "p2"],
        ["i2", "i1", "i2", "i1", "i1"],
        [1, 0, np.nan, np.nan, 1],
        items=["i0"],
    )

    assert data.item_ids.tolist() == ["i0", "i2", "i1"]
    # p3 answered nothing: it carries no information and is left out.
    assert data.person_ids.tolist() == ["p1", "p2"]
    assert data.n_responses == 3
    assert data.responses_per_item.tolist() == [0, 1, 2]
    matrix = data.to_matrix()
    assert np.isnan(matrix[0, 0]) and np.isnan(matrix[1, 1])
    assert matrix[0, 1] == 1 and matrix[0, 2] == 0 and matrix[1, 2] == 1


def test_from_matrix_matches_from_long() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 3, size=(7, 5)).astype(float)
    matrix[rng.random(matrix.shape) < 0.4] = np.nan
    matrix[2] = np.nan  # a person without responses
    persons, items = np.nonzero(~np.isnan(matrix))
    order = rng.permutation(persons.size)

    from_matrix = ResponseData.from_matrix(matrix)
    from_long = ResponseData.from_long(persons[order], items[order], matrix[persons, items][order], items=range(5))

    assert from_matrix.person_ids.tolist() == [0, 1, 3, 4, 5, 6]
    by_person = np.argsort(from_long.person_ids.astype(int))  # from_long numbers persons as they come
    np.testing.assert_array_equal(from_matrix.to_matrix(), from_long.to_matrix()[by_person])
    np.testing.assert_array_equal(from_matrix.to_matrix(), matrix[[0, 1, 3, 4, 5, 6]])


def test_duplicate_score_names_both_rows() -> None:
    with pytest.raises(InvalidResponses, match="more than one score") as error:
        ResponseData.from_long(["a", "b", "a"], ["x", "x", "x"], [1, 0, 0])

    assert error.value.rows == (0, 2)
    assert error.value.item_ids == ("x",)


@pytest.mark.parametrize("bad", [-1, 0.5, np.inf])
def test_scores_must_be_whole_non_negative_numbers(bad: float) -> None:
    with pytest.raises(InvalidResponses, match="whole numbers") as error:
        ResponseData.from_long(["a", "b", "c"], ["x", "x", "x"], [1, bad, 0])

    assert error.value.rows == (1,)


def test_adaptive_test_data_is_stored_sparse() -> None:
    """30 answers of 1,000 items per person: storage grows with the answers, not the bank."""
    rng = np.random.default_rng(0)
    persons, length, bank = 2000, 30, 1000
    items = np.concatenate([rng.choice(bank, length, replace=False) for _ in range(persons)])
    data = ResponseData.from_long(np.repeat(np.arange(persons), length), items, rng.integers(0, 2, items.size))

    design = data.design(np.full(data.n_items, 2))

    assert all(isinstance(chunk.upper, sp.csr_array) for chunk in design.chunks)
    stored = sum(chunk.upper.nnz + chunk.observed.nnz for chunk in design.chunks)
    assert stored <= 2 * persons * length


def test_dense_and_sparse_layouts_and_chunking_agree() -> None:
    from assessment.psychometrics.calibration.em import e_step

    rng = np.random.default_rng(1)
    matrix = rng.integers(0, 3, size=(50, 6)).astype(float)
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    data = ResponseData.from_matrix(matrix)
    n_categories = np.full(6, 3)
    log_p = np.log(rng.dirichlet(np.ones(3), size=(6, 11)).transpose(0, 2, 1))
    log_weights = np.log(np.full(11, 1 / 11))

    results = [
        e_step(Design.build(data, n_categories, chunk_persons=chunk, dense=dense), log_p, log_weights)
        for dense, chunk in [(True, 8192), (False, 8192), (True, 7), (False, 13)]
    ]

    for other in results[1:]:
        np.testing.assert_allclose(other.counts, results[0].counts, atol=1e-10)
        assert other.log_likelihood == pytest.approx(results[0].log_likelihood, abs=1e-9)
