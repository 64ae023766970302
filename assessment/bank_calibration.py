"""Calibrating the bank from the answers candidates gave: stored responses in, item parameters out.

Items already calibrated serve as anchors, so new and re-estimated items land on the existing scale;
items with only an author's provisional estimate are estimated afresh once enough answers exist.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.models import Attempt, Response
from assessment.psychometrics.calibration import (
    CalibratedItem,
    CalibrationError,
    ItemParameters,
    ResponseData,
    calibrate,
)
from core import audit, clock
from core.accounts import Actor, Role
from core.errors import PermissionDenied, RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatistics, ItemVersion
from question_bank.statistics import IrtParameters, set_irt_parameters, statistics_for

DICHOTOMOUS_MODELS = ("rasch", "1pl", "2pl", "3pl")


def finite(value: float | None) -> float | None:
    """Standard errors of fixed parameters come back as NaN; stored as unknown."""
    return None if value is None or math.isnan(value) else float(value)


@dataclass(frozen=True, slots=True)
class BankCalibration:
    model: str
    estimated: int  # item versions given new parameters
    anchors: int  # item versions held fixed
    skipped: dict[int, str]  # item version -> why it was not estimated
    responses: int
    converged: bool


# What an estimate may be and still be stored: beyond these, an item is more likely miskeyed, or answered by too
# few people of the ability it measures, than as easy, hard, flat or guessable as that (logit scale).
A_RANGE, MAX_ABS_B, MAX_C = (0.2, 5.0), 6.0, 0.5


def out_of_range(item: CalibratedItem) -> str | None:
    """The parameters of an estimate that lie outside what is stored, described; None for a usable one."""
    outside = []
    if not (math.isfinite(item.a) and A_RANGE[0] <= item.a <= A_RANGE[1]):
        outside.append(f"a={item.a:.3g}")
    if not (math.isfinite(item.b) and abs(item.b) <= MAX_ABS_B):
        outside.append(f"b={item.b:.3g}")
    if not (math.isfinite(item.c) and 0 <= item.c <= MAX_C):
        outside.append(f"c={item.c:.3g}")
    return ", ".join(outside) or None


def _without_one_answer_items(usable: list[tuple[int, int, float]], skipped: dict[int, str]
                              ) -> list[tuple[int, int, float]]:
    """The answers without those to items everyone got right, or everyone wrong: they say nothing about how hard
    an item is or how well it tells people apart, and the estimation refuses them (listed in ``skipped``)."""
    seen: dict[int, set[float]] = {}
    for _person, version, right in usable:
        seen.setdefault(version, set()).add(right)
    for version, values in seen.items():
        if len(values) == 1:
            skipped[version] = f"every answer {'right' if 1.0 in values else 'wrong'}: nothing to estimate it from"
    return [row for row in usable if len(seen[row[1]]) > 1]


def calibrate_bank(session: Session, *, actor: Actor, model: str = "2pl", min_responses: int = 200) -> BankCalibration:
    """Estimate the bank's automatically scored items from stored answers, each right (full marks) or wrong, as
    the adaptive engine takes them (see adaptive.right_or_wrong). Raises PermissionDenied or RuleViolation."""
    if not actor.has(Role.TEST_ADMIN):
        raise PermissionDenied("only test administrators calibrate the bank")
    if model not in DICHOTOMOUS_MODELS:
        raise RuleViolation(f"model must be one of {', '.join(DICHOTOMOUS_MODELS)}", field="model")
    rows = session.execute(select(Attempt.candidate_id, Response.item_version_id, Response.points)
                           .join(Attempt, Attempt.id == Response.attempt_id)
                           .where(Response.points.is_not(None))
                           .order_by(Attempt.started_at, Attempt.id)).all()
    first: dict[tuple[int, int], float] = {}
    for person, version, points in rows:  # a retake's answer to an item met before says less: the first counts
        first.setdefault((person, version), points)
    counts = dict(session.execute(select(Response.item_version_id, func.count()).where(Response.points.is_not(None))
                                  .group_by(Response.item_version_id)).all())
    kinds = {version: (item_types.get(item_type), scoring) for version, item_type, scoring in session.execute(
        select(ItemVersion.id, Item.type, ItemVersion.scoring).join(Item, Item.id == ItemVersion.item_id)
        .where(ItemVersion.id.in_(select(Response.item_version_id).where(Response.points.is_not(None)))))}
    people = Counter(version for _person, version in first)  # the answers the estimate can use: one a person
    skipped: dict[int, str] = {}
    usable = []
    for (person, version), points in first.items():
        item_type, scoring = kinds[version]
        if item_type.rater_scored:
            skipped[version] = "scored by raters, not right or wrong: the adaptive engine does not give it"
        elif people[version] < min_responses:
            skipped[version] = f"{people[version]} people's answers; {min_responses} needed"
        else:
            usable.append((person, version, float(item_type.earns_full_marks(scoring, points))))
    usable = _without_one_answer_items(usable, skipped)
    if not usable:
        raise RuleViolation("no item has enough right/wrong answers to calibrate", field="min_responses")
    anchors = {stats.item_version_id: ItemParameters(a=stats.irt_a, b=stats.irt_b, c=stats.irt_c or 0.0)
               for stats in session.scalars(select(ItemStatistics).where(
                   ItemStatistics.irt_provisional.is_(False), ItemStatistics.irt_a.is_not(None)))}
    data = ResponseData.from_long([r[0] for r in usable], [r[1] for r in usable], [r[2] for r in usable])
    try:
        answered = {row[1] for row in usable}
        result = calibrate(data, model, anchors={k: v for k, v in anchors.items() if k in answered})
    except CalibrationError as error:
        raise RuleViolation(f"calibration failed: {error}", field="model") from None
    estimated = 0
    when = clock.now()
    for item in result.items:
        statistics_for(session, item.item_id).response_count = counts[item.item_id]
        if item.anchored:
            continue
        if (unlikely := out_of_range(item)) is not None:
            skipped[int(item.item_id)] = f"estimated {unlikely}, outside what an item of the bank can be: not " \
                                         "stored (check its key); its parameters stay as they were"
            continue
        set_irt_parameters(session, item_version_id=int(item.item_id), calibrated_at=when, parameters=IrtParameters(
            model=model, a=float(item.a), b=float(item.b), c=float(item.c), se_a=finite(item.se_a),
            se_b=finite(item.se_b), se_c=finite(item.se_c)))
        estimated += 1
    anchored = sum(1 for item in result.items if item.anchored)
    audit.record(session, actor=actor, action="bank.calibrated", entity_type="bank", entity_id=model,
                 estimated=estimated, anchors=anchored, responses=len(usable))
    session.flush()
    return BankCalibration(model=model, estimated=estimated, anchors=anchored, skipped=skipped,
                           responses=len(usable), converged=result.converged)
