"""Language codes as the whole product stores and compares them: items, stimuli, staff, positions, levels."""

from __future__ import annotations

import re

# ISO 639-1 (or -2/3), lower case, no region ("en", not "en-US" or "EN"); always matched with fullmatch.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
