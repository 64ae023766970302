"""Every module whose import registers tables on ``Base.metadata``: Alembic and the backup read them all."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

MODEL_MODULES = ("core.accounts.models", "core.accounts.throttle", "core.audit", "learning.models",
                 "question_bank.models", "assessment.models", "assessment.certification",
                 "assessment.scheduling.models", "assessment.external_certificates.models",
                 "assessment.rating.models", "question_bank.uploads", "learning.training_models")


def all_models() -> MetaData:
    """The metadata with every table registered."""
    from core.db import Base

    for module in MODEL_MODULES:
        importlib.import_module(module)
    return Base.metadata
