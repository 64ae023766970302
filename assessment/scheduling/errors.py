"""What refuses a registration or an attempt, each naming the rule and the moment that matters."""

from __future__ import annotations

from core.errors import Conflict


class NotEligible(Conflict):
    """An eligibility rule of the test (retake wait, attempt limit) refuses the candidate."""

    slug, title = "not-eligible", "Not eligible under the test's rules"


class RegistrationRequired(Conflict):
    """The test is sat in sessions and the candidate holds no registration that admits them now."""

    slug, title = "registration-required", "Registration in a session required"


class OutsideSessionWindow(Conflict):
    """The candidate is registered, but the session is not open on the server's clock."""

    slug, title = "outside-session-window", "The session is not open"


class SessionCancelled(Conflict):
    slug, title = "session-cancelled", "The session was cancelled"


class SessionFull(Conflict):
    slug, title = "session-full", "No seats left in the session"


class RegistrationClosed(Conflict):
    slug, title = "registration-closed", "Registration is closed"


class OverlappingRegistration(Conflict):
    slug, title = "overlapping-registration", "Already registered in an overlapping session"


class AlreadyRegistered(Conflict):
    slug, title = "already-registered", "Already registered in this session"
