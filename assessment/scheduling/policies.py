"""Who may schedule sessions, register candidates, and see registrations."""

from __future__ import annotations

from assessment.scheduling.models import AdmissionRules, Registration
from core.accounts import Actor, Role


def can_schedule(actor: Actor) -> bool:
    """Test administrators schedule and cancel sessions, set admission rules, register anyone."""
    return actor.has(Role.TEST_ADMIN)


def can_register_self(actor: Actor, rules: AdmissionRules | None) -> bool:
    """Candidates register themselves only where the test allows it (``self_registration``)."""
    return Role.CANDIDATE in actor.roles and rules is not None and rules.self_registration


def can_view_registration(actor: Actor, registration: Registration) -> bool:
    """Candidates see their own registrations only."""
    return registration.candidate_id == actor.id or can_schedule(actor)


def can_cancel_registration(actor: Actor, registration: Registration) -> bool:
    return registration.candidate_id == actor.id or can_schedule(actor)
