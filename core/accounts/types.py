from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CANDIDATE = "candidate"
    AUTHOR = "author"
    REVIEWER = "reviewer"
    RATER = "rater"
    SENIOR_RATER = "senior_rater"  # adjudicates when two raters disagree beyond the threshold
    TEST_ADMIN = "test_admin"
    HR = "hr"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: passed into services explicitly, never read from a global."""

    id: int
    roles: frozenset[Role]
    unit_id: int | None = None

    @classmethod
    def of_account(cls, user_id: int, roles: list[str], unit_id: int | None) -> Actor:
        """The actor of an account as stored: its roles are kept as their names."""
        return cls(id=user_id, roles=frozenset(Role(r) for r in roles), unit_id=unit_id)

    def has(self, *roles: Role) -> bool:
        """True if the actor holds any of ``roles``; admins hold every role."""
        return Role.ADMIN in self.roles or any(role in self.roles for role in roles)
