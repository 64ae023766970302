"""``levelpath calibrate``: estimate item parameters from long-form responses (MML, EM).

Reads ``person_id,item_id,score`` (an absent row is a missing response; so is an empty, NA or
NaN score) and writes ``item_id,a,b,c,se_a,se_b,se_c`` followed by ``n`` (responses),
``fit_x2,fit_df,fit_p`` (item fit) and ``anchored``; GPCM items add ``step_k`` and
``se_step_k``. Every bad input becomes a click error naming the file, line and column. The
calibration core (SciPy) is imported only when the command runs, so ``levelpath --help`` stays fast.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.outputs import OutputFile, write_output

if TYPE_CHECKING:
    from assessment.psychometrics.calibration import CalibrationResult, ItemParameters, Priors, ResponseData

CLI_MODELS = ("rasch", "1pl", "2pl", "3pl", "pcm", "gpcm")
DICHOTOMOUS = ("rasch", "1pl", "2pl", "3pl")
RESPONSE_COLUMNS = ("person_id", "item_id", "score")
MISSING_SCORES = frozenset({"", "na", "nan"})
OUTPUT_COLUMNS = ("item_id", "a", "b", "c", "se_a", "se_b", "se_c", "n", "fit_x2", "fit_df", "fit_p", "anchored")


class CsvFile:
    """A CSV file read whole: a header and rows, with the file line of any row on demand."""

    def __init__(self, path: Path, option: str) -> None:
        self.path = path
        self.option = option
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                rows = list(filter(None, csv.reader(handle)))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise self.fail(None, None, f"cannot be read ({error})") from None
        if not rows:
            raise self.fail(None, None, "is empty: it needs a header line")
        self.header = [name.strip().lower() for name in rows[0]]
        self.rows = rows[1:]

    def fail(self, row: int | None, column: str | None, problem: str) -> click.BadParameter:
        """An error naming the file, the line of data row ``row`` (0-based) and the column."""
        where = str(self.path)
        if row is not None:
            where += f", line {self.line_of(row)}"
        if column is not None:
            where += f", column '{column}'"
        return click.BadParameter(f"{where}: {problem}", param_hint=self.option)

    def fail_rows(self, rows: tuple[int, ...], problem: str) -> click.BadParameter:
        """An error naming several lines (a duplicated response and its first occurrence)."""
        lines = ", ".join(str(self.line_of(row)) for row in rows[:5])
        return click.BadParameter(f"{self.path}, lines {lines}: {problem}", param_hint=self.option)

    def line_of(self, row: int) -> int:
        # Found by reading again: counting lines for every row would slow the common, valid case.
        with self.path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            seen = -2  # the header is row -1
            for fields in reader:
                if fields:
                    seen += 1
                    if seen == row:
                        return reader.line_num
        return row + 2

    def columns(self, *required: str) -> list[int]:
        missing = [name for name in required if name not in self.header]
        if missing:
            raise self.fail(None, None, f"missing column(s) {', '.join(missing)}; the header must name "
                                        f"{', '.join(required)} (found {', '.join(self.header) or 'nothing'})")
        width = len(self.header)
        if any(length != width for length in set(map(len, self.rows))):
            index = next(index for index, fields in enumerate(self.rows) if len(fields) != width)
            raise self.fail(index, None, f"{len(self.rows[index])} fields where the header has {width}")
        return [self.header.index(name) for name in required]

    def text(self, position: int) -> list[str]:
        return list(map(str.strip, map(itemgetter(position), self.rows)))

    def numbers(self, position: int, name: str, *, allow_missing: bool) -> list[float]:
        """The column as floats (NaN for a missing score where allowed); each distinct text parsed once."""
        column = list(map(itemgetter(position), self.rows))
        parsed = {}
        for text in dict.fromkeys(column):  # distinct texts in order of first appearance
            try:
                parsed[text] = field_value(text, allow_missing)
            except ValueError as problem:
                raise self.fail(column.index(text), name, str(problem)) from None
        return list(map(parsed.__getitem__, column))

    def number(self, row: int, position: int, name: str) -> float:
        try:
            return field_value(self.rows[row][position], allow_missing=False)
        except ValueError as problem:
            raise self.fail(row, name, str(problem)) from None


def field_value(text: str, allow_missing: bool) -> float:
    """One field as a float, NaN for a missing score where allowed; ValueError says what is wrong."""
    cleaned = text.strip()
    if cleaned.lower() in MISSING_SCORES:
        if allow_missing:
            return math.nan
        raise ValueError("is empty")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{cleaned!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{cleaned} is not a finite number")
    return value


def read_responses(path: Path, model: str) -> ResponseData:
    """Responses in long form; checks every row before the calibration sees it."""
    import numpy as np

    from assessment.psychometrics.calibration import InvalidResponses, ResponseData

    table = CsvFile(path, "--responses")
    person_at, item_at, score_at = table.columns(*RESPONSE_COLUMNS)
    if not table.rows:
        raise table.fail(None, None, "has a header but no responses")
    persons, items = table.text(person_at), table.text(item_at)
    for column, values in (("person_id", persons), ("item_id", items)):
        if "" in values:
            raise table.fail(values.index(""), column, "is empty")
    scores = np.array(table.numbers(score_at, "score", allow_missing=True))
    observed = ~np.isnan(scores)
    allowed = "0 or 1" if model in DICHOTOMOUS else "a whole number 0, 1, 2, ..."
    bad = observed & ((scores < 0) | (scores != np.round(scores)) | ((scores > 1) if model in DICHOTOMOUS else False))
    if bad.any():
        row = int(np.argmax(bad))
        raise table.fail(row, "score", f"{table.rows[row][score_at].strip()} is not {allowed} (model {model})")
    try:
        return ResponseData.from_long(persons, items, scores)
    except InvalidResponses as error:
        raise table.fail_rows(error.rows, error.detail) from None


def read_anchors(path: Path, model: str) -> dict[object, ItemParameters]:
    """Fixed item parameters: ``item_id,a,b`` with optional ``c`` (3PL) or ``step_k`` (GPCM) columns."""
    from assessment.psychometrics.calibration import ItemParameters

    table = CsvFile(path, "--anchors")
    item_at, a_at, b_at = table.columns("item_id", "a", "b")
    c_at = table.header.index("c") if "c" in table.header else None
    step_columns = sorted(
        (int(name.removeprefix("step_")), position)
        for position, name in enumerate(table.header)
        if name.startswith("step_") and name.removeprefix("step_").isdigit()
    )
    anchors: dict[object, ItemParameters] = {}
    for index, fields in enumerate(table.rows):
        item_id = fields[item_at].strip()
        if not item_id:
            raise table.fail(index, "item_id", "is empty")
        if item_id in anchors:
            raise table.fail(index, "item_id", f"{item_id} is listed twice")
        a = table.number(index, a_at, "a")
        if a <= 0:
            raise table.fail(index, "a", f"{a} must be positive")
        c = table.number(index, c_at, "c") if c_at is not None and fields[c_at].strip() else 0.0
        if not 0 <= c < 1:
            raise table.fail(index, "c", f"{c} must be in [0, 1)")
        if model in ("pcm", "gpcm"):
            steps = tuple(
                table.number(index, position, f"step_{k}") for k, position in step_columns if fields[position].strip()
            )
            if not steps:
                raise table.fail(index, None, "a GPCM anchor needs step_1, step_2, ... columns")
            anchors[item_id] = ItemParameters.gpcm(a, steps)
        else:
            anchors[item_id] = ItemParameters(a=a, b=table.number(index, b_at, "b"), c=c)
    return anchors


def parse_pair(text: str | None, option: str, default: tuple[float, float] | None) -> tuple[float, float] | None:
    """``X,Y`` as two floats, ``none`` as no prior, absent as the model's default."""
    if text is None:
        return default
    if text.strip().lower() == "none":
        return None
    try:
        first, second = (float(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected two numbers 'X,Y' or 'none'", param_hint=option) from None
    return first, second


def build_priors(model: str, prior_a: str | None, prior_c: str | None) -> Priors:
    from assessment.psychometrics.calibration import Priors

    default = Priors.default(model)
    try:
        return Priors(log_a=parse_pair(prior_a, "--prior-a", default.log_a),
                      c=parse_pair(prior_c, "--prior-c", default.c))
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--prior-a/--prior-c") from None


def _cell(value: float) -> str:
    return "" if math.isnan(value) else f"{value:.6f}"


def write_parameters(path: Path, result: CalibrationResult) -> None:
    steps = max((len(item.steps) for item in result.items), default=0)
    step_columns = [f"step_{k}" for k in range(1, steps + 1)] + [f"se_step_{k}" for k in range(1, steps + 1)]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([*OUTPUT_COLUMNS, *step_columns])
    for item in result.items:
        padding = [""] * (steps - len(item.steps))
        writer.writerow([
            item.item_id, _cell(item.a), _cell(item.b), _cell(item.c),
            _cell(item.se_a), _cell(item.se_b), _cell(item.se_c), item.n,
            _cell(item.fit_x2), item.fit_df if item.fit_df else "", _cell(item.fit_p), int(item.anchored),
            *(_cell(x) for x in item.steps), *padding, *(_cell(x) for x in item.se_steps), *padding,
        ])
    write_output(path, text.getvalue())


@contextmanager
def progress_bar(enabled: bool, max_iter: int) -> Iterator[object]:
    """A click progress bar on stderr advanced once per EM iteration, or no callback at all."""
    if not enabled:
        yield None
        return
    with click.progressbar(
        length=max_iter, label="calibrating", file=sys.stderr,
        item_show_func=lambda change: None if change is None else f"largest change {change:.2e}",
    ) as bar:
        position = [0]

        def advance(iteration: int, change: float) -> None:
            bar.update(iteration - position[0], change)
            position[0] = iteration

        yield advance
        bar.update(max_iter - position[0])


@click.command()
@click.option("--responses", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with person_id,item_id,score; absent rows (and empty/NA scores) are missing.")
@click.option("--model", required=True, type=click.Choice(CLI_MODELS, case_sensitive=False),
              help="rasch, 1pl, 2pl or 3pl for 0/1 scores; pcm or gpcm for scores 0..K-1.")
@click.option("--out", required=True, type=OutputFile(),
              help="CSV to write: item_id,a,b,c, their SEs, n, item fit.")
@click.option("--anchors", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV of fixed items (item_id,a,b[,c] or step_k): the others are put on their scale.")
@click.option("--max-iter", default=500, show_default=True, type=click.IntRange(1))
@click.option("--tol", default=1e-4, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Stop when no parameter moves more than this between EM iterations.")
@click.option("--quadrature-points", default=41, show_default=True, type=click.IntRange(5, 401),
              help="Points of the ability grid on [-6, 6].")
@click.option("--prior-a", metavar="MEAN,SD|none", help="Normal prior on log a (default: 0,1 for 2PL/GPCM, "
              "0,0.5 for 3PL).")
@click.option("--prior-c", metavar="ALPHA,BETA|none", help="Beta prior on c for 3PL (default 5,17).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: only when stderr is a terminal).")
def calibrate(
    responses: Path,
    model: str,
    out: Path,
    anchors: Path | None,
    max_iter: int,
    tol: float,
    quadrature_points: int,
    prior_a: str | None,
    prior_c: str | None,
    progress: bool | None,
) -> None:
    """Calibrate items by marginal maximum likelihood from long-form responses."""
    from assessment.psychometrics.calibration import CalibrationError, Quadrature
    from assessment.psychometrics.calibration import calibrate as run_calibration

    model = model.lower()
    priors = build_priors(model, prior_a, prior_c)
    data = read_responses(responses, model)
    fixed = read_anchors(anchors, model) if anchors else None
    show = sys.stderr.isatty() if progress is None else progress
    try:
        with progress_bar(show, max_iter) as advance:
            result = run_calibration(
                data, model, anchors=fixed, priors=priors, quadrature=Quadrature.normal(quadrature_points),
                max_iter=max_iter, tol=tol, progress=advance,  # type: ignore[arg-type]
            )
    except CalibrationError as error:
        raise click.ClickException(f"{responses}: {error.detail}") from None
    write_parameters(out, result)
    click.echo(
        f"{len(result.items)} items ({model}) from {data.n_responses} responses of {data.n_persons} persons; "
        f"{result.iterations} EM iterations; log-likelihood {result.log_likelihood:.3f}; "
        f"population mean {result.population.mean:.3f}, sd {result.population.sd:.3f}; wrote {out}",
        err=True,
    )
    if not result.converged:
        click.echo(f"warning: the EM did not converge within {max_iter} iterations (tolerance {tol}); "
                   "raise --max-iter or --tol", err=True)
