"""The rule book: every rule version loaded from data, resolved by the date it is asked about."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from assessment.rules.conversion import CertificateKind, ConversionTable
from assessment.rules.errors import NoRuleInForce, UnknownRule
from assessment.rules.frameworks import Framework
from assessment.rules.types import Regulation, RuleVersion

DATA_DIR = Path(__file__).resolve().parent / "data"
CONVERSION_PREFIX = "conversion."  # a purpose's table is the rule "conversion.<purpose>"
NATIONAL_FRAMEWORK = "framework.national"

T = TypeVar("T")


def check_date(on: date) -> date:
    """Refuse datetimes: the day a rule changes is a Vietnamese calendar day, which the caller must pick."""
    if isinstance(on, datetime) or not isinstance(on, date):
        raise TypeError(f"rules are resolved on a calendar date (Vietnam time), got {type(on).__name__}")
    return on


class RuleBook:
    """Regulations, frameworks, certificate kinds, conversion tables and dated rule versions.

    Built by :meth:`load`, which validates the data; the constructor trusts what it is given.
    """

    def __init__(self, *, regulations: Mapping[str, Regulation], frameworks: Mapping[str, Framework],
                 certificate_kinds: Mapping[str, CertificateKind], tables: Mapping[str, ConversionTable],
                 rules: Mapping[str, tuple[RuleVersion, ...]]) -> None:
        self._regulations = dict(regulations)
        self._frameworks = dict(frameworks)
        self._kinds = dict(certificate_kinds)
        self._tables = dict(tables)
        self._rules = dict(rules)

    @classmethod
    def load(cls, directory: Path | str | None = None, *,
             effective_dates: Mapping[str, date] | None = None) -> RuleBook:
        """Load and validate every ``*.yaml`` file of ``directory`` (the shipped data by default).

        ``effective_dates`` gives pending versions their start, keyed ``"rule_id@version"``, e.g.
        ``{"framework.national@tt33-2026": date(2027, 1, 1)}`` once TT 33/2026's in-force date is known.
        Raises RuleBookInvalid listing every problem found.
        """
        from assessment.rules.loader import load_rulebook  # the loader builds RuleBooks itself

        return load_rulebook(Path(directory) if directory is not None else DATA_DIR,
                             effective_dates=effective_dates or {})

    def rule(self, rule_id: str, on: date) -> RuleVersion:
        """The version of a rule in force on a date; raises UnknownRule or NoRuleInForce."""
        check_date(on)
        versions = self.versions(rule_id)
        for version in versions:
            if version.in_force_on(on):
                return version
        spans = ", ".join(_span(version) for version in versions)
        raise NoRuleInForce(f"no version of {rule_id} was in force on {on.isoformat()} (versions: {spans})",
                            field="on")

    def payload(self, rule_id: str, on: date, expected: type[T]) -> tuple[RuleVersion, T]:
        """The version in force and its payload, checked to be the kind the caller works with."""
        version = self.rule(rule_id, on)
        if not isinstance(version.payload, expected):
            raise UnknownRule(f"{rule_id} is a {version.kind} rule, not a {expected.__name__}")
        return version, version.payload

    def versions(self, rule_id: str) -> tuple[RuleVersion, ...]:
        """Every version of a rule in date order, pending ones last; raises UnknownRule."""
        try:
            return self._rules[rule_id]
        except KeyError:
            raise UnknownRule(f"no rule {rule_id!r}; known rules: {', '.join(sorted(self._rules))}",
                              field="rule_id") from None

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._rules))

    def regulation(self, regulation_id: str) -> Regulation:
        return _lookup(self._regulations, regulation_id, "regulation")

    def framework(self, framework_id: str) -> Framework:
        """A framework by id, whatever the date: a level stored under vn6 keeps vn6's labels."""
        return _lookup(self._frameworks, framework_id, "framework")

    def framework_on(self, on: date) -> Framework:
        """The national framework in force on a date."""
        _, framework_id = self.payload(NATIONAL_FRAMEWORK, on, str)
        return self.framework(framework_id)

    def certificate_kind(self, kind_id: str) -> CertificateKind:
        return _lookup(self._kinds, kind_id, "certificate kind")

    @property
    def certificate_kinds(self) -> tuple[CertificateKind, ...]:
        return tuple(self._kinds.values())

    def table(self, table_id: str) -> ConversionTable:
        return _lookup(self._tables, table_id, "conversion table")

    @property
    def tables(self) -> tuple[ConversionTable, ...]:
        return tuple(self._tables.values())

    @property
    def purposes(self) -> tuple[str, ...]:
        """Purposes with an equivalence table (master's, doctoral, ...), from the ``conversion.*`` rules."""
        return tuple(sorted(rule_id.removeprefix(CONVERSION_PREFIX) for rule_id in self._rules
                            if rule_id.startswith(CONVERSION_PREFIX)))


def _lookup(items: Mapping[str, T], key: str, what: str) -> T:
    try:
        return items[key]
    except KeyError:
        raise UnknownRule(f"no {what} {key!r}; known: {', '.join(sorted(items))}", field=what.replace(" ", "_")) \
            from None


def _span(version: RuleVersion) -> str:
    if version.pending:
        return f"{version.version} pending (in-force date not set)"
    start = version.effective_from.isoformat() if version.effective_from else "start not confirmed"
    end = version.effective_until.isoformat() if version.effective_until else "open"
    return f"{version.version} {start} to {end}"

