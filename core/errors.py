"""Domain errors. Each carries the HTTP status and problem type the API layer maps it to."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    #: The error reports what the request found, but what the service changed on the way must be kept
    #: (an attempt closed because its time ran out stays closed).
    keeps_changes: bool = False

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class Unauthenticated(DomainError):
    status, slug, title = 401, "unauthenticated", "Authentication required"


class PermissionDenied(DomainError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(DomainError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class PreconditionFailed(DomainError):
    status, slug, title = 412, "precondition-failed", "Precondition failed"


class PreconditionRequired(DomainError):
    status, slug, title = 428, "precondition-required", "Precondition required"


class RuleViolation(DomainError):
    status, slug, title = 422, "rule-violation", "Request breaks a rule"

    def __init__(self, detail: str, *, field: str | None = None, errors: dict[str, list[str]] | None = None,
                 **extra: Any) -> None:
        super().__init__(detail, field=field, **extra)
        self.errors = errors or ({field: [detail]} if field else {})
