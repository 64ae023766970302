"""Who may call each endpoint: declared on the view with ``@allow``, enforced before the request is parsed.

The domain's policies still decide about the object itself (this candidate's attempt, that unit's people);
this gate turns away, before any parsing or database work, the callers who can never succeed there, so
that they learn nothing about a request's shape (403, not 422). An endpoint without a declared rule is
refused to everybody (fail closed), and the authorization matrix test fails until it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import flask_smorest
from flask import Flask

from core.accounts import Actor, Role

View = TypeVar("View", bound=Callable[..., object])

RULE_ATTRIBUTE = "levelpath_access"

ROLE_NAMES = {
    Role.CANDIDATE: "candidates",
    Role.AUTHOR: "item authors",
    Role.REVIEWER: "reviewers",
    Role.RATER: "raters",
    Role.SENIOR_RATER: "senior raters",
    Role.TEST_ADMIN: "test administrators",
    Role.HR: "HR",
    Role.ADMIN: "administrators",
}


@dataclass(frozen=True)
class Access:
    """``roles`` None: any signed-in account; otherwise any of them (administrators hold every role)."""

    public: bool = False
    roles: frozenset[Role] | None = None

    def admits(self, actor: Actor | None) -> bool:
        if self.public:
            return True
        if actor is None:
            return False
        return self.roles is None or actor.has(*self.roles)

    def describe(self) -> str:
        if self.public:
            return "anyone"
        if self.roles is None:
            return "any signed-in account"
        named = [ROLE_NAMES[role] for role in Role if role in self.roles or role == Role.ADMIN]
        return ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]


PUBLIC = Access(public=True)
SIGNED_IN = Access()


def roles(*allowed: Role) -> Access:
    if not allowed:
        raise ValueError("name at least one role, or use SIGNED_IN")
    return Access(roles=frozenset(allowed))


def allow(rule: Access) -> Callable[[View], View]:
    """Declare who may call this view method; see the module docstring. A public one says so in the OpenAPI
    document too (``security: []``), where every operation otherwise asks for a token or a session."""

    def mark(view: View) -> View:
        if rule.public:
            view = flask_smorest.Blueprint.doc(security=[])(view)
        setattr(view, RULE_ATTRIBUTE, rule)
        return view

    return mark


# Endpoints LevelPath does not define itself: flask-smorest's OpenAPI document and the static pages.
FOREIGN_RULES: dict[str, Access] = {
    "api-docs.openapi_json": PUBLIC,
    "api-docs.openapi_swagger_ui": PUBLIC,
    "swagger_assets": PUBLIC,
    "index": PUBLIC,
    "static": PUBLIC,
}


def rule_for(app: Flask, endpoint: str, method: str) -> Access | None:
    """The rule declared for ``method`` on ``endpoint``, or None when there is none."""
    if endpoint in FOREIGN_RULES:
        return FOREIGN_RULES[endpoint]
    view = app.view_functions.get(endpoint)
    if view is None:
        return None
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, method.lower(), None)
        if view is None and method == "HEAD":
            view = getattr(view_class, "get", None)
    return getattr(view, RULE_ATTRIBUTE, None)
