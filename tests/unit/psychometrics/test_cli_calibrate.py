"""``levelpath calibrate`` on small CSV files: the output contract and clear errors for bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from api.cli import main
from assessment.psychometrics.calibration import ItemParameters, ResponseData, calibrate
from assessment.psychometrics.models import prob_3pl, prob_gpcm


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def run(*args: object) -> Result:
    return CliRunner().invoke(main, ["calibrate", *map(str, args)])


@pytest.fixture(scope="module")
def responses() -> list[list[object]]:
    """Long-form 2PL responses of 600 persons to 12 items, a quarter of the pairs absent."""
    rng = np.random.default_rng(71)
    a, b = rng.uniform(0.8, 1.8, 12), np.linspace(-1.5, 1.5, 12)
    p = prob_3pl(rng.normal(size=600), a, b)
    rows = [
        [f"person-{j}", f"item-{i}", int(rng.random() < p[j, i])]
        for j in range(600) for i in rng.permutation(12) if rng.random() > 0.25
    ]
    return rows


def test_2pl_writes_the_parameter_contract_and_matches_the_library(tmp_path: Path, responses) -> None:
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], responses)
    out = tmp_path / "params.csv"

    result = run("--responses", source, "--model", "2pl", "--out", out)

    assert result.exit_code == 0, result.output
    header, rows = read_csv(out)
    assert header[:7] == ["item_id", "a", "b", "c", "se_a", "se_b", "se_c"]
    assert {"n", "fit_x2", "fit_df", "fit_p"} <= set(header)
    expected = calibrate(ResponseData.from_long(*zip(*responses, strict=True)), "2pl")
    assert [row["item_id"] for row in rows] == [item.item_id for item in expected.items]
    for row, item in zip(rows, expected.items, strict=True):
        for name in ("a", "b", "se_a", "se_b"):
            assert float(row[name]) == pytest.approx(getattr(item, name), abs=1e-6)
        assert float(row["c"]) == 0.0 and row["se_c"] == ""
        assert int(row["n"]) == item.n
    assert "12 items (2pl)" in result.stderr


def test_rasch_fixes_the_slopes_and_reports_no_slope_error(tmp_path: Path, responses) -> None:
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], responses)
    out = tmp_path / "params.csv"

    result = run("--responses", source, "--model", "rasch", "--out", out)

    assert result.exit_code == 0, result.output
    _, rows = read_csv(out)
    assert all(float(row["a"]) == 1.0 and row["se_a"] == "" and float(row["se_b"]) > 0 for row in rows)


def test_empty_and_na_scores_are_missing_like_absent_rows(tmp_path: Path, responses) -> None:
    with_missing = [*responses[:10], ["person-x", "item-0", ""], ["person-y", "item-3", "NA"], *responses[10:]]
    plain = write_csv(tmp_path / "plain.csv", ["person_id", "item_id", "score"], responses)
    noisy = write_csv(tmp_path / "noisy.csv", ["person_id", "item_id", "score"], with_missing)

    assert run("--responses", plain, "--model", "2pl", "--out", tmp_path / "plain-out.csv").exit_code == 0
    assert run("--responses", noisy, "--model", "2pl", "--out", tmp_path / "noisy-out.csv").exit_code == 0

    assert (tmp_path / "plain-out.csv").read_text() == (tmp_path / "noisy-out.csv").read_text()


def test_anchors_are_kept_and_flagged(tmp_path: Path, responses) -> None:
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], responses)
    anchors = write_csv(tmp_path / "anchors.csv", ["item_id", "a", "b", "c", "se_a"],
                        [["item-0", 1.2, -1.5, 0, ""], ["item-5", 0.9, 0.2, "", ""]])
    out = tmp_path / "params.csv"

    result = run("--responses", source, "--model", "2pl", "--anchors", anchors, "--out", out)

    assert result.exit_code == 0, result.output
    rows = {row["item_id"]: row for row in read_csv(out)[1]}
    assert (float(rows["item-0"]["a"]), float(rows["item-0"]["b"])) == (1.2, -1.5)
    assert (float(rows["item-5"]["a"]), float(rows["item-5"]["b"])) == (0.9, 0.2)
    assert rows["item-0"]["anchored"] == "1" and rows["item-1"]["anchored"] == "0"
    assert rows["item-0"]["se_b"] == "" and float(rows["item-1"]["se_b"]) > 0
    expected = calibrate(
        ResponseData.from_long(*zip(*responses, strict=True)), "2pl",
        anchors={"item-0": ItemParameters(1.2, -1.5), "item-5": ItemParameters(0.9, 0.2)},
    )
    assert float(rows["item-1"]["b"]) == pytest.approx(expected["item-1"].b, abs=1e-6)


def test_gpcm_adds_step_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(72)
    p = prob_gpcm(rng.normal(size=500), np.array([1.0, 1.5]), np.array([[-1.0, 0.0, 1.0], [-0.5, 0.5, np.nan]]))
    scores = (rng.random((500, 2, 1)) > p.cumsum(axis=-1)).sum(axis=-1)
    rows = [[j, f"task-{i}", scores[j, i]] for j in range(500) for i in range(2)]
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], rows)
    out = tmp_path / "params.csv"

    result = run("--responses", source, "--model", "gpcm", "--out", out)

    assert result.exit_code == 0, result.output
    header, written = read_csv(out)
    assert header[-6:] == ["step_1", "step_2", "step_3", "se_step_1", "se_step_2", "se_step_3"]
    assert written[1]["step_3"] == "" and written[0]["step_3"] != ""


def test_an_out_that_cannot_be_written_is_refused_before_calibrating(
    tmp_path: Path, responses, monkeypatch: pytest.MonkeyPatch
) -> None:
    def calibrate_nothing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the calibration ran before --out was checked")

    monkeypatch.setattr("assessment.psychometrics.calibration.calibrate", calibrate_nothing)
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], responses)
    nowhere = tmp_path / "no-such-folder" / "params.csv"

    result = CliRunner().invoke(main, ["calibrate", "--responses", str(source), "--model", "2pl", "--out",
                                       str(nowhere)], catch_exceptions=False)

    assert result.exit_code == 1
    assert f"Error: cannot write {nowhere}: the folder {nowhere.parent} does not exist" in result.output


def test_progress_bar_goes_to_stderr_only_when_asked(tmp_path: Path, responses) -> None:
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], responses)

    shown = run("--responses", source, "--model", "1pl", "--out", tmp_path / "a.csv", "--progress")
    hidden = run("--responses", source, "--model", "1pl", "--out", tmp_path / "b.csv")

    assert "calibrating" in shown.stderr and "calibrating" not in shown.stdout
    assert "calibrating" not in hidden.stderr


def test_non_convergence_is_warned(tmp_path: Path, responses) -> None:
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], responses)

    result = run("--responses", source, "--model", "2pl", "--out", tmp_path / "p.csv", "--max-iter", 1)

    assert result.exit_code == 0
    assert "did not converge" in result.stderr


GOOD = [["p1", "i1", 1], ["p2", "i1", 0], ["p1", "i2", 0], ["p2", "i2", 1]]


@pytest.mark.parametrize(
    ("header", "rows", "model", "message"),
    [
        (["person_id", "item_id"], GOOD, "2pl", "missing column(s) score"),
        (["person_id", "item_id", "score"], [*GOOD, ["p3", "i1", "yes"]], "2pl",
         "line 6, column 'score': 'yes' is not a number"),
        (["person_id", "item_id", "score"], [*GOOD, ["p3", "i1", 2]], "2pl",
         "line 6, column 'score': 2 is not 0 or 1 (model 2pl)"),
        (["person_id", "item_id", "score"], [*GOOD, ["p3", "i1", "0.5"]], "gpcm",
         "line 6, column 'score': 0.5 is not a whole number"),
        (["person_id", "item_id", "score"], [*GOOD, ["p3", "", 1]], "2pl", "line 6, column 'item_id': is empty"),
        (["person_id", "item_id", "score"], [*GOOD, ["p3", "i1"]], "2pl", "line 6: 2 fields where the header has 3"),
        (["person_id", "item_id", "score"], [*GOOD, ["p1", "i2", 1]], "2pl",
         "lines 4, 6: person p1 has more than one score for item i2"),
        (["person_id", "item_id", "score"], [*GOOD, ["p1", "i3", ""], ["p2", "i3", "NA"]], "2pl",
         "i3: no responses"),
        (["person_id", "item_id", "score"], [*GOOD, ["p1", "i3", 1], ["p2", "i3", 1]], "2pl",
         "i3: all 2 responses are 1"),
        (["person_id", "item_id", "score"], [], "2pl", "has a header but no responses"),
    ],
)
def test_bad_input_is_a_clear_error_naming_file_line_and_column(
    tmp_path: Path, header: list[str], rows: list[list[object]], model: str, message: str
) -> None:
    source = write_csv(tmp_path / "responses.csv", header, rows)
    out = tmp_path / "params.csv"

    result = run("--responses", source, "--model", model, "--out", out)

    assert result.exit_code in (1, 2)
    assert isinstance(result.exception, SystemExit)  # a click error, not a traceback
    assert "Traceback" not in result.output
    assert str(source) in result.stderr
    assert message in " ".join(result.stderr.split())
    assert not out.exists()


def test_bad_anchors_name_their_file(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "responses.csv", ["person_id", "item_id", "score"], GOOD)
    anchors = write_csv(tmp_path / "anchors.csv", ["item_id", "a", "b"], [["i1", "-1", "0"]])

    result = run("--responses", source, "--model", "2pl", "--anchors", anchors, "--out", tmp_path / "p.csv")

    assert result.exit_code == 2
    assert f"{anchors}, line 2, column 'a': -1.0 must be positive" in " ".join(result.stderr.split())
