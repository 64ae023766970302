"""Why a calibration cannot run: the data, not the code, is at fault."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import RuleViolation


class CalibrationError(RuleViolation):
    """The data or the anchors do not allow the requested calibration."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="responses")


class InvalidResponses(CalibrationError):
    """Response data that breaks the model's rules (duplicates, scores out of range).

    ``rows`` are 0-based positions in the input the data was built from, so a caller that read
    a file can name the offending lines.
    """

    def __init__(self, detail: str, *, rows: Sequence[int] = (), item_ids: Sequence[object] = ()) -> None:
        super().__init__(detail)
        self.rows = tuple(int(row) for row in rows)
        self.item_ids = tuple(item_ids)


class ItemsNotEstimable(CalibrationError):
    """Items whose parameters the data cannot determine (no responses, or all in one category)."""

    def __init__(self, problems: dict[object, str]) -> None:
        shown = "; ".join(f"{item_id}: {reason}" for item_id, reason in list(problems.items())[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"{len(problems)} item(s) cannot be estimated: {shown}{more}")
        self.problems = dict(problems)
