"""Computerized adaptive testing: pool, selection, constraints, stopping, sessions, simulation.

Test delivery drives a test one step at a time::

    engine = CatEngine(pool, CatConfig(...))            # once per published test and process
    session = engine.resume(items, responses, set_aside)  # rebuilt from the database per request
    step = session.next_item(rng)                        # Step: item_id, or stop_reason
    session.record(step.item_id, response)
    result = session.result()                            # theta, se, level, probabilities, skills
"""

from assessment.psychometrics.cat.constraints import (
    Blueprint,
    ConstraintIssue,
    InfeasibleConstraint,
    SkillQuota,
)
from assessment.psychometrics.cat.engine import CatConfig, CatEngine, CatResult, CatSession, Step
from assessment.psychometrics.cat.pool import InvalidItemPool, ItemPool
from assessment.psychometrics.cat.selection import ExposureCap, MaxInfo, Randomesque, SympsonHetter, parse_selector
from assessment.psychometrics.cat.stopping import ClassificationStop, StoppingRule

__all__ = [
    "Blueprint",
    "CatConfig",
    "CatEngine",
    "CatResult",
    "CatSession",
    "ClassificationStop",
    "ConstraintIssue",
    "ExposureCap",
    "InfeasibleConstraint",
    "InvalidItemPool",
    "ItemPool",
    "MaxInfo",
    "Randomesque",
    "SkillQuota",
    "Step",
    "StoppingRule",
    "SympsonHetter",
    "parse_selector",
]
