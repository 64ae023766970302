"""Language codes as the whole product stores and compares them: items, stimuli, staff, positions, levels."""

from __future__ import annotations

import re

# ISO 639-1 (or -2/3), lower case, no region ("en", not "en-US" or "EN"); always matched with fullmatch.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def primary_subtag(tag: str | None) -> str:
    """A BCP-47 tag's primary subtag, lower case ("en-US", "EN_us" -> "en"; "" when there is none): what a
    regional tag from another system stands for here. Whether it is a code is LANGUAGE_CODE's to say."""
    return (tag or "").strip().replace("_", "-").split("-")[0].lower()
