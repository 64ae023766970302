"""A writable copy of the shipped rule data, so a test can change one fact and load the result."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessment.rules import RuleBook
from assessment.rules.loader import parse_yaml
from assessment.rules.rulebook import DATA_DIR

_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class RuleData:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def edit(self, filename: str, change: Callable[[dict[str, Any]], None]) -> None:
        path = self.directory / filename
        document = parse_yaml(path.read_text(encoding="utf-8"))
        change(document)
        path.write_text(yaml.dump(document, Dumper=_DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")

    def add(self, filename: str, text: str) -> None:
        (self.directory / filename).write_text(text, encoding="utf-8")

    def load(self, **kwargs: Any) -> RuleBook:
        return RuleBook.load(self.directory, **kwargs)


@pytest.fixture
def rule_data(tmp_path: Path) -> RuleData:
    directory = tmp_path / "rules"
    shutil.copytree(DATA_DIR, directory)
    return RuleData(directory)
