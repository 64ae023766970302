"""Errors of the rule book: bad data at load time, and rule look-ups or inputs the rules reject."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import NotFound, RuleViolation


class RuleBookInvalid(Exception):
    """The rule data cannot be trusted; raised at load time so a bad table never reaches a candidate."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"the rule data has {len(self.problems)} problem(s):\n{lines}")


class UnknownRule(NotFound):
    """No rule, framework, purpose or certificate kind goes by that id."""


class NoRuleInForce(RuleViolation):
    """The rule exists but no version of it was in force on the date asked about."""


class InvalidScore(RuleViolation):
    """A score is not a number the rule accepts (wrong type, off its scale, or off its step)."""
