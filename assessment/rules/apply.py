"""The rules applied on a date: VSTEP scores and levels, certificate conversion, framework look-up.

Every function takes the date whose rules apply and, optionally, a RuleBook (the shipped data by
default), and returns exact Decimals or results that name the rule versions they used.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from assessment.rules.conversion import (
    ConversionTable,
    Outcome,
    ScaleKind,
    Score,
    evaluate,
    read_score,
)
from assessment.rules.errors import InvalidScore, UnknownRule
from assessment.rules.frameworks import Framework, Level
from assessment.rules.numbers import Number
from assessment.rules.rulebook import CONVERSION_PREFIX, NATIONAL_FRAMEWORK, RuleBook
from assessment.rules.types import Provenance, Regulation
from assessment.rules.vstep import BandTable, MeanOfSkills, RoundingRule, WeightedComposite

VSTEP_3_5_OVERALL = "vstep.3-5.overall"
VSTEP_3_5_BANDS = "vstep.3-5.bands"
VSTEP_2_BANDS = "vstep.2.bands"
VSTEP_WRITING = "vstep.writing_composite"


@functools.cache
def default_rulebook() -> RuleBook:
    """The shipped rule data, loaded once; pending versions (TT 33/2026) stay inactive."""
    return RuleBook.load()


def _book(rulebook: RuleBook | None) -> RuleBook:
    return rulebook if rulebook is not None else default_rulebook()


@dataclass(frozen=True)
class VstepResult:
    """A VSTEP.3-5 overall score and level, with the rule versions that produced them (for the record)."""

    overall: Decimal
    level: Level | None
    rules: tuple[str, ...]

    @property
    def level_number(self) -> int | None:
        return self.level.number if self.level else None


def score_vstep(listening: Number, reading: Number, writing: Number, speaking: Number, on: date, *,
                rulebook: RuleBook | None = None) -> VstepResult:
    """Overall score (mean of the four skills, rounded) and level band; raises InvalidScore, NoRuleInForce."""
    book = _book(rulebook)
    mean_version, mean_rule = book.payload(VSTEP_3_5_OVERALL, on, MeanOfSkills)
    rounding_version, rounding = book.payload(mean_rule.rounding_rule, on, RoundingRule)
    mean = mean_rule.mean({"listening": listening, "reading": reading, "writing": writing, "speaking": speaking})
    overall = rounding.apply(mean)
    bands_version, bands = book.payload(VSTEP_3_5_BANDS, on, BandTable)
    number = bands.level_of(overall)
    level = book.framework(bands.framework_id).level(number) if number is not None else None
    return VstepResult(overall, level, (mean_version.ref, rounding_version.ref, bands_version.ref))


def vstep_overall(listening: Number, reading: Number, writing: Number, speaking: Number, on: date, *,
                  rulebook: RuleBook | None = None) -> Decimal:
    """VSTEP.3-5 overall score: the mean of the four 0-10 skill scores, rounded half up to 0.5."""
    return score_vstep(listening, reading, writing, speaking, on, rulebook=rulebook).overall


def vstep_level(overall: Number, on: date, *, rulebook: RuleBook | None = None) -> int | None:
    """The level of a rounded VSTEP.3-5 overall score (None below 4.0); raises InvalidScore if unrounded."""
    _, bands = _book(rulebook).payload(VSTEP_3_5_BANDS, on, BandTable)
    return bands.level_of(overall)


def vstep_band_floors(on: date, *, rulebook: RuleBook | None = None) -> dict[int, Decimal]:
    """The lowest VSTEP.3-5 overall score of each level it awards (level 3: 4.0, 4: 6.0, 5: 8.5)."""
    _, bands = _book(rulebook).payload(VSTEP_3_5_BANDS, on, BandTable)
    return {band.level: band.range.minimum for band in bands.bands
            if band.level is not None and band.range.minimum is not None}


def vstep2_level(overall: Number, on: date, *, rulebook: RuleBook | None = None) -> int | None:
    """Level 2 when a VSTEP.2 score reaches the pass mark, else None."""
    _, bands = _book(rulebook).payload(VSTEP_2_BANDS, on, BandTable)
    return bands.level_of(overall)


def writing_composite(task1: Number, task2: Number, on: date, *, rulebook: RuleBook | None = None) -> Decimal:
    """VSTEP.3-5 writing score from its tasks, weighted 1/3 and 2/3 and rounded as the rule's data says."""
    book = _book(rulebook)
    _, composite = book.payload(VSTEP_WRITING, on, WeightedComposite)
    _, rounding = book.payload(composite.rounding_rule, on, RoundingRule)
    return rounding.apply(composite.combine({"task1": task1, "task2": task2}, rounding))


@dataclass(frozen=True)
class ConversionResult:
    """A certificate's level under one purpose's table on one date, or None with the reason.

    ``regulation`` is where the numbers come from; ``rule_id``/``rule_version`` say why that table
    applies to the purpose on the date. ``level_basis`` is "inferred" when the source gives a
    threshold but not the level it stands for.
    """

    level: int | None
    cefr: str | None
    outcome: Outcome
    rule_id: str
    rule_version: str
    regulation: Regulation
    provenance: Provenance
    explanation: str
    level_basis: str | None = None
    effect: str | None = None

    @property
    def rule_ref(self) -> str:
        return f"{self.rule_id}@{self.rule_version}"


def convert(certificate_kind: str, score: Score, purpose: str, on: date, *,
            rulebook: RuleBook | None = None) -> ConversionResult:
    """Convert a certificate issued elsewhere to a national level for a purpose, by the table in force on ``on``.

    ``score`` is a number (IELTS "6.5"), a mapping of sub-scores (TOEIC 4 skills), a grade ("N3"), a
    national level (VSTEP 4), or None for certificates a table names without a score. Raises
    UnknownRule for an unknown purpose or certificate, InvalidScore for a score off the
    certificate's scale, NoRuleInForce when no table applies on that date.
    """
    book = _book(rulebook)
    if purpose not in book.purposes:
        raise UnknownRule(f"no equivalence table for purpose {purpose!r}; purposes: {', '.join(book.purposes)}",
                          field="purpose")
    kind = book.certificate_kind(certificate_kind)
    version, table = book.payload(CONVERSION_PREFIX + purpose, on, ConversionTable)
    read = read_score(kind, score)
    if kind.scale_kind is ScaleKind.NATIONAL_LEVEL:
        return _national(book, kind.name, read.value, on)
    match = evaluate(table, kind, read)
    framework = book.framework(table.framework_id)
    level = framework.level(match.level) if match.level is not None else None
    explanation = f"{match.reason}. Table: {table.title}, {table.provenance.cite()}; applies to {purpose} " \
                  f"on {on.isoformat()} under {version.provenance.cite()}."
    if level is not None:
        explanation += f" Level {level.number} = {level.label_vi} ({level.label_en}, {level.cefr})."
    if match.row is not None and match.row.level_basis == "inferred" and table.choice:
        explanation += f" Level inferred: {table.choice}"
    if match.outcome is Outcome.ABOVE_TABLE and table.above_note:
        explanation += f" {table.above_note}"
    return ConversionResult(level=match.level, cefr=level.cefr if level else None, outcome=match.outcome,
                            rule_id=version.rule_id, rule_version=version.version,
                            regulation=table.provenance.regulation, provenance=table.provenance,
                            explanation=explanation, level_basis=match.row.level_basis if match.row else None,
                            effect=table.effect if match.level is not None else None)


def _national(book: RuleBook, name: str, stated: Fraction | None, on: date) -> ConversionResult:
    """A national-framework certificate (VSTEP) states its level: no equivalence table is involved."""
    if stated is None:
        raise InvalidScore(f"{name} states a level; give it as the score", field="score")
    version = book.rule(NATIONAL_FRAMEWORK, on)
    level = book.framework(version.payload).level(int(stated))
    return ConversionResult(
        level=level.number, cefr=level.cefr, outcome=Outcome.MATCHED, rule_id=version.rule_id,
        rule_version=version.version, regulation=version.provenance.regulation, provenance=version.provenance,
        explanation=f"{name} is issued on the national framework and states {level.label_vi} ({level.label_en}, "
                    f"{level.cefr}); no equivalence table applies ({version.provenance.cite()}).",
        level_basis="stated")


def framework(framework_id: str, *, rulebook: RuleBook | None = None) -> Framework:
    """A framework by id (``vn6``, ``vn7``), whatever the date."""
    return _book(rulebook).framework(framework_id)


def framework_on(on: date, *, rulebook: RuleBook | None = None) -> Framework:
    """The national framework in force on a date."""
    return _book(rulebook).framework_on(on)
