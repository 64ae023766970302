"""Errors of certificate data, serial numbers and verification keys."""

from __future__ import annotations

from core.errors import RuleViolation


class InvalidCertificate(RuleViolation):
    """Certificate data that cannot be issued as given (missing name, dates out of order, ...)."""


class InvalidSerial(RuleViolation):
    """A serial number that is malformed or whose check character does not match (a typo)."""


class InvalidVerificationKeys(ValueError):
    """The server's verification keys are misconfigured; raised at start-up, never to a user."""
