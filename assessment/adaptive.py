"""Adaptive placement tests: the CAT engine driven one answer at a time from stored state.

Everything an attempt needs lives in the database (the items given, in order, and the answers),
so any process can serve any request: the engine of a published test is built once per process
and cached, and each request resumes a session from the stored rows in microseconds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar, get_args

import numpy as np
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from assessment.models import AttemptItem, Test, TestItem
from assessment.psychometrics.cat import (
    Blueprint,
    CatConfig,
    CatEngine,
    CatResult,
    ClassificationStop,
    InfeasibleConstraint,
    InvalidItemPool,
    ItemPool,
    StoppingRule,
    parse_selector,
)
from assessment.psychometrics.cat.engine import StopReason
from assessment.psychometrics.cat.stopping import DEFAULT_CONFIDENCE
from assessment.psychometrics.levels import LevelScale
from assessment.scoring import GivenItem, ShownStimulus
from core.errors import RuleViolation
from question_bank import item_types
from question_bank.models import Item, ItemStatistics, ItemStatus, ItemVersion, Stimulus
from question_bank.enemies import enemy_pairs_among

DEFAULT_CUTS = (-2.0, -1.0, 0.0, 1.0, 2.0)
WEB_SELECTORS = ("maxinfo", "randomesque")
# Keys of an adaptive test's config that record what was made of its settings, not settings: the items left out
# of its pool at creation, and the enemy pairs between its pool's items frozen at publication (item ids, the
# lower first; a draft has none and reads the bank's).
PUBLISHED_ENEMY_PAIRS = "published_enemy_pairs"
RECORD_KEYS = frozenset({"left_out", PUBLISHED_ENEMY_PAIRS})


@dataclass(frozen=True, slots=True)
class AdaptiveSettings:
    """What a test administrator sets for an adaptive test (stored as the test's config)."""

    cuts: tuple[float, ...] = DEFAULT_CUTS
    min_items: int = 10
    max_items: int = 30
    se_stop: float | None = None
    classification_confidence: float | None = DEFAULT_CONFIDENCE  # with curtailment: see cat.stopping
    selector: str = "randomesque:3"
    skills: tuple[str, ...] = ()  # item pool: approved items of these skills (all skills if empty)
    quotas: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # blueprint per skill

    def to_config(self) -> dict[str, Any]:
        data = asdict(self)
        data["cuts"], data["skills"] = list(self.cuts), list(self.skills)
        data["quotas"] = {skill: list(bounds) for skill, bounds in self.quotas.items()}
        return data

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AdaptiveSettings:
        values = {key: value for key, value in config.items() if key not in RECORD_KEYS}
        values["cuts"] = tuple(values.get("cuts", DEFAULT_CUTS))
        values["skills"] = tuple(values.get("skills", ()))
        values["quotas"] = {skill: (low, high) for skill, (low, high) in values.get("quotas", {}).items()}
        return cls(**values)

    def cat_config(self, pool_size: int) -> CatConfig:
        """Raises ValueError for settings the engine refuses (the caller names the field)."""
        scale = LevelScale(self.cuts)
        classification = (ClassificationStop(scale, self.classification_confidence)
                          if self.classification_confidence is not None else None)
        return CatConfig(
            stopping=StoppingRule(self.min_items, self.max_items, self.se_stop, classification),
            selector=parse_selector(self.selector, pool_size), scale=scale,
            blueprint=Blueprint.of(self.quotas) if self.quotas else None)


def check_settings(settings: AdaptiveSettings) -> None:
    """Raises RuleViolation naming the setting the engine cannot work with."""
    if settings.selector.split(":")[0] not in WEB_SELECTORS:
        raise RuleViolation(f"selector must be one of {', '.join(WEB_SELECTORS)} (randomesque:K); Sympson-Hetter "
                            "needs exposure parameters simulated with 'levelpath cat simulate' first",
                            field="adaptive.selector")
    try:
        settings.cat_config(settings.max_items)
    except ValueError as error:
        raise RuleViolation(f"adaptive settings: {error}", field="adaptive") from None
    if len(settings.cuts) != 5:
        raise RuleViolation("give five cuts on the ability scale: they separate levels 1 to 6", field="adaptive.cuts")


@dataclass(frozen=True, slots=True)
class PoolItem:
    item_version_id: int
    skill: str | None
    stimulus_id: int | None
    a: float
    b: float
    c: float


def without_enemies_in_passages(session: Session, pool: list[PoolItem]) -> tuple[list[PoolItem], list[dict]]:
    """Drop the later of two enemy items that share a passage: a passage's items come together.

    Returns the pool kept and, for the test's record, each dropped item with the reason.
    """
    by_item = {session.get(ItemVersion, entry.item_version_id).item_id: entry for entry in pool}
    pairs = enemy_pairs_among(session, by_item)
    dropped: dict[int, dict] = {}
    for first, second in sorted(pairs):
        if first in dropped or second in dropped:
            continue
        stimulus = by_item[first].stimulus_id
        if stimulus is not None and stimulus == by_item[second].stimulus_id:
            dropped[second] = {"item_id": second, "reason": f"an enemy of item {first} on the same passage"}
    kept = [entry for item_id, entry in by_item.items() if item_id not in dropped]
    return kept, list(dropped.values())


def check_reachable_lengths(pool: list[PoolItem], settings: AdaptiveSettings) -> None:
    """Refuse a pool whose passages, given whole, can never make a test of min_items to max_items items (passages
    of 10 and nothing else make 10, 20, ...: never 12 to 15). Raises RuleViolation."""
    sizes = [1 for entry in pool if entry.stimulus_id is None]
    passages: dict[int, int] = {}
    for entry in pool:
        if entry.stimulus_id is not None:
            passages[entry.stimulus_id] = passages.get(entry.stimulus_id, 0) + 1
    sizes += list(passages.values())
    reachable = 1  # bit n: n items can be given in whole passages and single items
    for size in sizes:
        reachable |= (reachable << size) & ((1 << (settings.max_items + 1)) - 1)
    if not any(reachable >> length & 1 for length in range(settings.min_items, settings.max_items + 1)):
        largest = max(passages.values(), default=1)
        raise RuleViolation(f"the items of a passage come together (here up to {largest} at a time), and those of "
                            f"this pool can never make a test of {settings.min_items} to {settings.max_items} "
                            "items: widen the lengths or the skills", field="adaptive.min_items")


def calibrated_pool(session: Session, settings: AdaptiveSettings) -> list[PoolItem]:
    """Approved, automatically scored items of the chosen skills that have IRT parameters: the current (approved)
    version of each, classified by the skill that version was approved with."""
    query = (select(Item.type, ItemVersion, ItemStatistics)
             .join(ItemVersion, ItemVersion.id == Item.current_version_id)
             .join(ItemStatistics, ItemStatistics.item_version_id == ItemVersion.id)
             .where(Item.status == ItemStatus.APPROVED, ItemStatistics.irt_a.is_not(None),
                    ItemStatistics.irt_b.is_not(None))
             .order_by(Item.id))
    if settings.skills:
        query = query.where(ItemVersion.skill.in_(settings.skills))
    pool = []
    for item_type, version, stats in session.execute(query):
        if item_types.get(item_type).rater_scored:
            continue
        pool.append(PoolItem(item_version_id=version.id, skill=version.skill, stimulus_id=version.stimulus_id,
                             a=stats.irt_a, b=stats.irt_b, c=stats.irt_c or 0.0))
    return pool


def _pool_rows(session: Session, test: Test) -> Sequence[Row[Any]]:
    """The pool frozen into the test at creation, with the parameters frozen with it."""
    return session.execute(
        select(ItemVersion.id, ItemVersion.item_id, ItemVersion.skill, ItemVersion.stimulus_id,
               TestItem.irt_a, TestItem.irt_b, TestItem.irt_c)
        .join(TestItem, TestItem.item_version_id == ItemVersion.id)
        .where(TestItem.test_id == test.id)
        .order_by(ItemVersion.id)).all()


def _engine(test: Test, rows: Sequence[Row[Any]], enemies: list[tuple[int, int]]) -> CatEngine:
    """The engine over the pool's ``rows`` keeping ``enemies`` (item ids) apart. Raises RuleViolation if unusable."""
    settings = AdaptiveSettings.from_config(test.config)
    version_of = {row.item_id: row.id for row in rows}
    try:
        pool = ItemPool.build(
            [str(row.id) for row in rows], [row.irt_a for row in rows], [row.irt_b for row in rows],
            [row.irt_c or 0.0 for row in rows], skills=[row.skill for row in rows],
            testlets=[f"stimulus-{row.stimulus_id}" if row.stimulus_id else None for row in rows],
            enemy_pairs=[(str(version_of[first]), str(version_of[second])) for first, second in enemies])
        return CatEngine(pool, settings.cat_config(len(rows)))
    except (InvalidItemPool, InfeasibleConstraint, ValueError, TypeError) as error:
        raise RuleViolation(f"the adaptive test cannot run on its pool: {error}", field="adaptive") from None


def build_engine(session: Session, test: Test) -> CatEngine:
    """The engine over the pool frozen into the test at creation, with the parameters frozen with it (whatever
    the bank's are now), and the enemies frozen at publication (whatever the bank marks since); a draft's enemies
    are the bank's of the moment. Raises RuleViolation if unusable."""
    rows = _pool_rows(session, test)
    frozen = test.config.get(PUBLISHED_ENEMY_PAIRS)
    if frozen is None:
        enemies = enemy_pairs_among(session, [row.item_id for row in rows])
    else:
        enemies = [(first, second) for first, second in frozen]
    return _engine(test, rows, enemies)


def freeze_enemies(session: Session, test: Test) -> None:
    """Store with the test, as it is published, the enemy pairs the bank marks between its pool's items now: every
    process builds its engine with these, whatever the bank marks later, so workers started before and after a
    change agree on what one attempt may be given. Raises RuleViolation when two items of one passage were made
    enemies since the test was drafted (a passage's items come together), or the engine cannot run with them."""
    rows = _pool_rows(session, test)
    enemies = sorted(enemy_pairs_among(session, [row.item_id for row in rows]))
    passage_of = {row.item_id: row.stimulus_id for row in rows}
    for first, second in enemies:
        if passage_of[first] is not None and passage_of[first] == passage_of[second]:
            raise RuleViolation(f"items {first} and {second} share a passage and were made enemies after this test "
                                "was drafted; a passage's items come together: draft the test again",
                                field="item_ids")
    _engine(test, rows, enemies)
    test.config = {**test.config, PUBLISHED_ENEMY_PAIRS: [[first, second] for first, second in enemies]}


Cached = TypeVar("Cached")


class EngineCache:
    """Engines of published tests, per process, with the items of their pools as giving and scoring need them.

    A published test's pool never changes, nor do its enemies (frozen at publication) or an item version, so
    none is read again.
    """

    def __init__(self) -> None:
        self._engines: dict[tuple[int, str], CatEngine] = {}
        self._items: dict[tuple[int, str], dict[int, GivenItem]] = {}
        self._stimuli: dict[tuple[int, str], dict[int, ShownStimulus]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(test: Test) -> tuple[int, str]:
        # The creation time is part of the key: a restored or recreated database may reuse an id.
        return test.id, test.created_at.isoformat()

    def get(self, session: Session, test: Test) -> CatEngine:
        key = self._key(test)
        engine = self._engines.get(key)
        if engine is None:
            engine = build_engine(session, test)
            with self._lock:
                self._engines[key] = engine
        return engine

    def item(self, session: Session, test: Test, item_version_id: int) -> GivenItem:
        """One item given by the test, read from the database the first time this process needs it."""
        return self._read_once(self._items, test, item_version_id, lambda: GivenItem(*session.execute(
            select(ItemVersion.id, Item.type, ItemVersion.skill, ItemVersion.content, ItemVersion.scoring,
                   ItemVersion.stimulus_id)
            .join(Item, Item.id == ItemVersion.item_id).where(ItemVersion.id == item_version_id)).one()))

    def stimulus(self, session: Session, test: Test, stimulus_id: int) -> ShownStimulus:
        """A passage or recording the test's items are shown with, read the first time this process needs it
        (a stimulus never changes: a different passage is a new stimulus and a new item version)."""
        return self._read_once(self._stimuli, test, stimulus_id,
                               lambda: ShownStimulus.of(session.get_one(Stimulus, stimulus_id)))

    def _read_once(self, store: dict[tuple[int, str], dict[int, Cached]], test: Test, key: int,
                   read: Callable[[], Cached]) -> Cached:
        with self._lock:
            entries = store.setdefault(self._key(test), {})
        value = entries.get(key)
        if value is None:
            value = entries[key] = read()
        return value

ENGINES = EngineCache()


def right_or_wrong(session: Session, test: Test, points: dict[int, float]) -> dict[int, float]:
    """The engine's responses from the points answers earned: 1 for full marks, else 0.

    Its IRT models are right-or-wrong (2PL/3PL), as bank calibration's are, so an item worth 2 points answered
    wholly right is right, and a partly right answer (1 of 2 points, 2 gaps of 3) is wrong: P(right) is the
    chance of full marks.
    """
    marks = {}
    for version_id, earned in points.items():
        item = ENGINES.item(session, test, version_id)  # cached: the answer path has just read it
        marks[version_id] = float(item_types.get(item.type).earns_full_marks(item.scoring, earned))
    return marks


def _session_for(engine: CatEngine, administered: list[AttemptItem], scores: dict[int, float]):
    answered = [entry for entry in administered if entry.item_version_id in scores]
    set_aside = [name for entry in administered for name in entry.set_aside]
    return engine.resume([str(e.item_version_id) for e in answered],
                         [scores[e.item_version_id] for e in answered], set_aside=set_aside)


def next_step(engine: CatEngine, administered: list[AttemptItem], scores: dict[int, float],
              rng: np.random.Generator):
    """The engine's decision after the answers so far: the next item, or the reason to stop."""
    return _session_for(engine, administered, scores).next_item(rng)


# Why a test ended when the candidate, not the engine, ended it (the attempt's closed_reason -> stop reason).
CANDIDATE_STOPS = {"submitted": "handed_in", "time_up": "time_up"}
ENGINE_STOPS = frozenset(get_args(StopReason))


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a handed-in adaptive attempt leaves the candidate."""

    result: CatResult  # the engine's estimate over every item given
    level: int | None  # None: too few answers to place
    answered: int
    stop_reason: str  # the engine's (max_items, se_threshold, classified, pool_exhausted), handed_in or time_up
    issues: tuple[str, ...]


def placement(engine: CatEngine, administered: list[AttemptItem], scores: dict[int, float], *,
              stop_reason: str) -> Placement:
    """The placement from the items given and the answered items' ``scores``.

    An item given but left unanswered counts as wrong, so skipping never helps; and fewer answers than the
    test's minimum length place nobody (no level, and an issue says so), however the test ended.
    """
    given = {entry.item_version_id: scores.get(entry.item_version_id, 0.0) for entry in administered}
    state = _session_for(engine, administered, given)
    if stop_reason in ENGINE_STOPS:
        state.stop_reason = stop_reason  # as next_item set it when the engine stopped: its final checks follow
    result = state.result()
    answered = sum(1 for entry in administered if entry.item_version_id in scores)
    minimum = engine.config.stopping.min_items
    issues = [issue.message for issue in result.issues]
    level: int | None = result.level
    if answered < minimum:
        level = None
        issues.append(f"too few answers to place: {answered} of at least {minimum}")
    return Placement(result=result, level=level, answered=answered, stop_reason=stop_reason, issues=tuple(issues))


def placement_summary(placement: Placement) -> dict[str, Any]:
    """What the candidate and HR see of a placement: the level, its probabilities, the skill profile."""
    result = placement.result
    return {
        "level_probabilities": {str(level): round(p, 4) for level, p in result.level_probabilities.items()},
        "skills": {skill: {"level": skill_result.level, "theta": round(skill_result.theta, 3),
                           "se": round(skill_result.se, 3), "items": skill_result.n_items}
                   for skill, skill_result in result.skills.items()},
        "items": len(result.items),
        "answered": placement.answered,
        "stop_reason": placement.stop_reason,
        "issues": list(placement.issues),
    }
