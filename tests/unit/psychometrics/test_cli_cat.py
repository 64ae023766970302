"""``levelpath cat simulate`` on small CSV files: the output contract and clear input errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from api.cli import cat as cat_module
from api.cli.cat import cat


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    bank = tmp_path / "bank.csv"
    rows = ["item_id,a,b,c,skill,testlet"]
    for i in range(80):
        skill = "listening" if i % 4 == 0 else "reading"
        testlet = f"p{i // 3}" if 60 <= i < 66 else ""
        rows.append(
            f"q{i},{rng.uniform(0.8, 2.0):.3f},{rng.normal():.3f},{rng.uniform(0.1, 0.3):.3f},{skill},{testlet}"
        )
    bank.write_text("\n".join(rows) + "\n")
    thetas = tmp_path / "thetas.csv"
    thetas.write_text("examinee_id,theta\n" + "".join(f"p{i},{t:.4f}\n" for i, t in enumerate(rng.normal(size=40))))
    return {"bank": bank, "thetas": thetas, "out": tmp_path / "result.json", "dir": tmp_path}


def invoke(files: dict[str, Path], *extra: str, bank: Path | None = None, thetas: Path | None = None) -> Result:
    arguments = [
        "simulate",
        "--bank",
        str(bank or files["bank"]),
        "--examinees",
        str(thetas or files["thetas"]),
        "--out",
        str(files["out"]),
        *extra,
    ]
    return CliRunner().invoke(cat, arguments)


def test_simulate_writes_every_examinee_and_the_summary(files: dict[str, Path]) -> None:
    result = invoke(files, "--max-items", "12", "--min-items", "12", "--seed", "3")
    assert result.exit_code == 0, result.output
    document = json.loads(files["out"].read_text())
    examinees = document["examinees"]
    assert len(examinees) == 40
    first = examinees[0]
    assert {"examinee_id", "theta", "se", "n_items", "level", "items"} <= set(first)
    assert first["examinee_id"] == "p0"
    assert first["n_items"] == len(first["items"]) == 12
    assert set(first["skills"]) == {"listening", "reading"}
    summary = document["summary"]
    errors = np.array([e["theta"] - e["true_theta"] for e in examinees])
    assert summary["rmse"] == pytest.approx(np.sqrt(np.mean(errors**2)), abs=1e-5)
    assert summary["bias"] == pytest.approx(errors.mean(), abs=1e-5)
    assert summary["mean_length"] == 12
    exact = np.mean([e["level"] == e["true_level"] for e in examinees])
    assert summary["exact_level_accuracy"] == pytest.approx(exact)
    assert 0 <= summary["within_one_level_accuracy"] <= 1
    assert summary["max_exposure"] == 1.0
    assert 12 <= summary["items_used"] <= 80
    again = invoke(files, "--max-items", "12", "--min-items", "12", "--seed", "3")
    assert again.exit_code == 0
    assert json.loads(files["out"].read_text())["examinees"] == examinees


def test_stopping_options_shorten_tests(files: dict[str, Path]) -> None:
    assert invoke(files, "--max-items", "40", "--se-stop", "0.5").exit_code == 0
    by_se = json.loads(files["out"].read_text())
    assert all(e["se"] <= 0.5 or e["n_items"] == 40 for e in by_se["examinees"])
    result = invoke(files, "--max-items", "40", "--classify-stop", "--confidence", "0.7", "--cuts=-1,0,1")
    assert result.exit_code == 0, result.output
    classified = json.loads(files["out"].read_text())
    assert classified["summary"]["mean_length"] < 40
    assert set(classified["examinees"][0]["level_probabilities"]) == {"1", "2", "3", "4"}


@pytest.mark.parametrize("estimator", ["map", "mle"])
def test_other_estimators_run(files: dict[str, Path], estimator: str) -> None:
    result = invoke(files, "--max-items", "8", "--estimator", estimator)
    assert result.exit_code == 0, result.output
    assert json.loads(files["out"].read_text())["settings"]["estimator"] == estimator


def test_sympson_hetter_calibrates_saves_and_reuses_exposure_parameters(files: dict[str, Path]) -> None:
    saved = files["dir"] / "k.csv"
    result = invoke(
        files,
        "--max-items",
        "6",
        "--selector",
        "sympson-hetter",
        "--r-max",
        "0.6",
        "--sh-iterations",
        "4",
        "--save-exposure-params",
        str(saved),
    )
    assert result.exit_code == 0, result.output
    calibrated = json.loads(files["out"].read_text())["summary"]
    assert calibrated["max_exposure"] < 1.0
    assert saved.read_text().startswith("item_id,k\n")
    reused = invoke(files, "--max-items", "6", "--selector", "sympson-hetter", "--exposure-params", str(saved))
    assert reused.exit_code == 0, reused.output
    assert invoke(files, "--max-items", "6", "--selector", "randomesque:3").exit_code == 0


def test_exposure_cap_keeps_every_rate_under_r_max(files: dict[str, Path]) -> None:
    result = invoke(files, "--max-items", "6", "--selector", "exposure-cap", "--r-max", "0.3")
    assert result.exit_code == 0, result.output
    document = json.loads(files["out"].read_text())
    assert document["settings"]["r_max"] == 0.3
    assert document["summary"]["max_exposure"] <= 0.3
    refused = invoke(files, "--max-items", "30", "--selector", "exposure-cap", "--r-max", "0.3")
    assert refused.exit_code == 2
    assert "cannot be delivered" in refused.output


@pytest.mark.parametrize("option", ["--out", "--save-exposure-params"])
def test_an_output_file_that_cannot_be_written_is_refused_before_simulating(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    def simulate_nothing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the simulation ran before the output path was checked")

    monkeypatch.setattr(cat_module, "run_simulation", simulate_nothing)
    monkeypatch.setattr(cat_module, "calibrate_sympson_hetter", simulate_nothing)
    nowhere = files["dir"] / "no-such-folder" / "written.out"
    arguments = ["simulate", "--bank", str(files["bank"]), "--examinees", str(files["thetas"]),
                 "--out", str(files["out"]), "--selector", "sympson-hetter", option, str(nowhere)]
    result = CliRunner().invoke(cat, arguments, catch_exceptions=False)
    assert result.exit_code == 1
    assert f"Error: cannot write {nowhere}: the folder {nowhere.parent} does not exist" in result.output


@pytest.mark.parametrize("selector", ["best", "maxinfo:2", "sympson-hetter:1"])
def test_an_unknown_selector_is_answered_with_the_forms_the_help_documents(
    files: dict[str, Path], selector: str
) -> None:
    """The rate of a plain exposure-cap comes from --r-max; the error must not send people to exposure-cap:R only."""
    forms = "maxinfo, randomesque[:K], sympson-hetter or exposure-cap[:R] (R defaults to --r-max)"
    result = invoke(files, "--selector", selector)
    assert result.exit_code == 2
    assert f"unknown selector {selector!r}: use {forms}" in " ".join(result.output.split())
    help_text = " ".join(CliRunner().invoke(cat, ["simulate", "--help"]).output.split())
    assert all(form in help_text for form in ("maxinfo", "randomesque[:K]", "sympson-hetter", "exposure-cap[:R]"))


def test_blueprint_and_enemies_files_constrain_the_tests(files: dict[str, Path]) -> None:
    blueprint = files["dir"] / "blueprint.csv"
    blueprint.write_text("skill,min_items,max_items\nlistening,4,5\nreading,0,\n")
    enemies = files["dir"] / "enemies.csv"
    enemies.write_text("item_id,enemy_id\nq1,q2\n")
    result = invoke(files, "--max-items", "10", "--blueprint", str(blueprint), "--enemies", str(enemies))
    assert result.exit_code == 0, result.output
    for examinee in json.loads(files["out"].read_text())["examinees"]:
        listening = sum(1 for item in examinee["items"] if int(item[1:]) % 4 == 0)
        assert 4 <= listening <= 5
        assert not {"q1", "q2"} <= set(examinee["items"])


@pytest.mark.parametrize(
    ("bank_text", "expected"),
    [
        ("item_id,a,b\nq1,1,0\n", "missing column(s) c"),
        ("item_id,a,b,c\nq1,1,0,0.2\nq2,x,0,0.2\n", "line 3, column 'a': 'x' is not a number"),
        ("item_id,a,b,c\nq1,1,0,0.2\nq1,1,0,0.2\n", "line 3, column 'item_id': duplicate id 'q1'"),
        ("item_id,a,b,c\nq1,-1,0,0.2\n", "line 2, column 'a': -1 must be > 0"),
        ("item_id,a,b,c\nq1,1,0,1.0\n", "line 2, column 'c': 1.0 must be in [0, 1)"),
        ("item_id,a,b,c\nq1,1,nan,0.1\n", "line 2, column 'b': nan must be finite"),
        ("item_id,a,b,c\n", "has a header but no rows"),
        ("", "the file is empty"),
    ],
)
def test_bad_bank_files_give_a_clear_error_naming_file_line_and_column(
    files: dict[str, Path], bank_text: str, expected: str
) -> None:
    bad = files["dir"] / "bad_bank.csv"
    bad.write_text(bank_text)
    result = invoke(files, bank=bad)
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "bad_bank.csv" in result.output
    assert expected in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("thetas_text", "expected"),
    [
        ("id,theta\np1,0\n", "missing column(s) examinee_id"),
        ("examinee_id,theta\np1,high\n", "line 2, column 'theta': 'high' is not a number"),
        ("examinee_id,theta\np1,0\np1,1\n", "duplicate id 'p1'"),
    ],
)
def test_bad_examinee_files_give_a_clear_error(files: dict[str, Path], thetas_text: str, expected: str) -> None:
    bad = files["dir"] / "bad_thetas.csv"
    bad.write_text(thetas_text)
    result = invoke(files, thetas=bad)
    assert result.exit_code == 2
    assert "bad_thetas.csv" in result.output
    assert expected in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--selector", "best"), "unknown selector"),
        (("--cuts=1,0",), "strictly increasing"),
        (("--min-items", "9", "--max-items", "5"), "exceeds --max-items"),
        (("--exposure-params", "{bank}"), "only the sympson-hetter selector"),
    ],
)
def test_bad_options_are_refused_with_a_reason(files: dict[str, Path], extra: tuple[str, ...], expected: str) -> None:
    result = invoke(files, *(value.format(bank=files["bank"]) for value in extra))
    assert result.exit_code == 2
    assert expected in " ".join(result.output.split())


def test_an_impossible_blueprint_is_refused_before_simulating(files: dict[str, Path]) -> None:
    blueprint = files["dir"] / "blueprint.csv"
    blueprint.write_text("skill,min_items\nspeaking,2\n")
    result = invoke(files, "--blueprint", str(blueprint))
    assert result.exit_code == 2
    assert "cannot be delivered" in result.output
    assert "speaking" in result.output
