"""Raw-score cut-offs to levels on the 6-level framework."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core.errors import RuleViolation
from question_bank import item_types
from question_bank.markup import for_candidates
from question_bank.media import recordings_as_plays
from question_bank.models import ItemVersion, Stimulus

LEVELS = range(1, 7)


@dataclass(frozen=True, slots=True)
class ShownStimulus:
    """The passage, recording or picture a candidate reads or hears with an item (an item set's shared part)."""

    id: int
    kind: str  # passage, audio, image
    title: str
    body: str  # sanitised XHTML; its media as /api/v1/media/<sha256>, a play-limited recording's as data-play-sha256
    max_plays: int | None  # how often the candidate may play its recording (None: no limit)
    # In an attempt: the plays of the recording the candidate has left (assessment.plays); None: no limit,
    # or not shown in an attempt (raters).
    plays_left: int | None = None

    @classmethod
    def of(cls, stimulus: Stimulus, *, plays_counted: bool = True) -> ShownStimulus:
        """As candidates see it: without the parts for examiners only (a recording's transcript). With
        ``plays_counted`` (a candidate's attempt), a recording with a play limit is named, not linked: see
        question_bank.media.recordings_as_plays. Raters hear it at will, and keep the links."""
        body = for_candidates(stimulus.body)
        if plays_counted and stimulus.max_plays is not None:
            body = recordings_as_plays(body)
        return cls(stimulus.id, stimulus.kind, stimulus.title, body, stimulus.max_plays)


@dataclass(frozen=True, slots=True)
class GivenItem:
    """What showing an item version, checking and scoring its answers need. Versions never change, so a
    process may keep these (assessment.adaptive caches those of a published test's pool)."""

    item_version_id: int
    type: str
    skill: str | None  # the version's: the one it was reviewed and published under
    content: dict[str, Any]
    scoring: dict[str, Any]
    stimulus_id: int | None  # the passage or recording shown with it

    def __post_init__(self) -> None:
        # Only the keys the item's type knows reach a candidate: a version stored before unknown keys were
        # refused may hold others, never sanitised (every way of making a GivenItem passes through here).
        object.__setattr__(self, "content", item_types.get(self.type).known_content(self.content))

    @classmethod
    def of(cls, version: ItemVersion) -> GivenItem:
        return cls(version.id, version.item.type, version.skill, version.content, version.scoring,
                   version.stimulus_id)


def check_cut_scores(cut_scores: Sequence[dict[str, Any]], *, max_score: float) -> None:
    """Raises RuleViolation unless levels and minimum scores both rise strictly and fit the test."""
    if not cut_scores:
        raise RuleViolation("at least one cut score is required", field="cut_scores")
    previous_level, previous_min = 0, -1.0
    for index, cut in enumerate(cut_scores):
        level, minimum = cut["level"], cut["min_score"]
        if level not in LEVELS:
            raise RuleViolation("level must be between 1 and 6", field=f"cut_scores.{index}.level")
        if level <= previous_level or minimum <= previous_min:
            raise RuleViolation("levels and minimum scores must both increase",
                                field=f"cut_scores.{index}")
        if not 0 <= minimum <= max_score:
            raise RuleViolation(f"minimum score must lie between 0 and the test's {max_score:g} points",
                                field=f"cut_scores.{index}.min_score")
        previous_level, previous_min = level, minimum


def level_for_raw_score(cut_scores: Sequence[dict[str, Any]], raw_score: float) -> int | None:
    """The highest level whose minimum the score reaches; None below the lowest cut."""
    reached = [cut["level"] for cut in cut_scores if raw_score >= cut["min_score"]]
    return max(reached) if reached else None
