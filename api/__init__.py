"""LevelPath's web layer. ``create_app`` is the factory (``flask --app api``, gunicorn).

Flask and the blueprints load only when an app is built, so that command-line tools living under
``api.cli`` (``levelpath cat simulate``, ``levelpath calibrate``) start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from api.app import build_app

    return build_app(config)
