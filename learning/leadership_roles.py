"""The leadership ladder a staff member's ``leadership_role`` must be on, and the Vietnamese titles for its rungs.

The compliance cohorts (``leadership_role_from`` in targets.yaml) match the ladder's values exactly, so a title
that is not on it would silently drop a manager out of the focus group: HR's free text is mapped to a rung
here, or refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from learning.reference_data import read_targets


def _folded(text: str) -> str:
    """Compared without case, diacritics or spacing: "Trưởng  Phòng" and "truong_phong" are one title."""
    bare = "".join(ch for ch in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(ch))
    return re.sub(r"[\s_-]+", "_", bare.replace("đ", "d")).strip("_")


@dataclass(frozen=True, slots=True)
class LeadershipLadder:
    roles: tuple[str, ...]  # lowest rung first
    aliases: dict[str, str]  # folded title -> rung

    @classmethod
    @cache
    def load(cls) -> LeadershipLadder:
        """The ladder and aliases of targets.yaml. Raises ValueError when an alias names no rung."""
        data = read_targets()
        roles = tuple(data["leadership_roles"])
        aliases = {_folded(role): role for role in roles}
        for role, titles in (data.get("leadership_role_aliases") or {}).items():
            if role not in roles:
                raise ValueError(f"targets.yaml: leadership_role_aliases names {role!r}, not a leadership role")
            for title in titles:
                if aliases.setdefault(_folded(title), role) != role:
                    raise ValueError(f"targets.yaml: the title {title!r} names two leadership roles")
        return cls(roles=roles, aliases=aliases)

    def role_for(self, text: str) -> str | None:
        """The rung ``text`` names (a ladder value or one of its titles); None when it names none."""
        return self.aliases.get(_folded(text))

    def describe(self) -> str:
        return f"one of {', '.join(self.roles)} (or its Vietnamese title, e.g. Trưởng phòng)"
