"""Assessment rules as data: frameworks, VSTEP rounding and bands, equivalence tables, each dated and sourced.

The numbers live in ``data/*.yaml``, each rule version tagged with the regulation it comes from and
the dates it is in force; this package loads, validates and applies them. A new framework version
or a replaced table is a data change. See shared/domain/FACTS.md for the sources.
"""

from assessment.rules.apply import (
    ConversionResult,
    VstepResult,
    convert,
    default_rulebook,
    framework,
    framework_on,
    score_vstep,
    vstep2_level,
    vstep_level,
    vstep_overall,
    writing_composite,
)
from assessment.rules.conversion import CertificateKind, ConversionTable, Outcome, ScaleKind
from assessment.rules.errors import InvalidScore, NoRuleInForce, RuleBookInvalid, UnknownRule
from assessment.rules.frameworks import Framework, Level, Tier
from assessment.rules.numbers import round_half_up, round_half_up_to_half
from assessment.rules.rulebook import RuleBook
from assessment.rules.types import Provenance, Regulation, RuleVersion

__all__ = [
    "CertificateKind",
    "ConversionResult",
    "ConversionTable",
    "Framework",
    "InvalidScore",
    "Level",
    "NoRuleInForce",
    "Outcome",
    "Provenance",
    "Regulation",
    "RuleBook",
    "RuleBookInvalid",
    "RuleVersion",
    "ScaleKind",
    "Tier",
    "UnknownRule",
    "VstepResult",
    "convert",
    "default_rulebook",
    "framework",
    "framework_on",
    "round_half_up",
    "round_half_up_to_half",
    "score_vstep",
    "vstep2_level",
    "vstep_level",
    "vstep_overall",
    "writing_composite",
]
