"""LevelPath's own additions to QTI 3, so a LevelPath -> QTI -> LevelPath round trip loses nothing.

Two places, both ignored by other QTI tools:

* In the item, on the stem wrapper ``<div class="lp-stem">``: ``data-lp-type`` (the LevelPath type,
  where QTI alone is ambiguous: True/False choices, one text entry) and ``data-lp-defaults``, the
  optional keys the item states with their default value (``content/shuffle=false scoring/points=1
  scoring/method=partial``: JSON values, strings bare; ``/`` since ids may contain dots),
  which QTI cannot tell from absent ones. Interactions carry ``data-lp-*`` settings QTI has no
  attribute for (word limits, speaking times, answer length), as the starter bank does.
* In the content package manifest, inside a resource's ``<metadata>``::

      <lp:levelpath xmlns:lp="urn:levelpath:qti-metadata:v1">
        <lp:identifier>..</lp:identifier> <lp:type>gap_fill</lp:type> <lp:skill>grammar</lp:skill>
        <lp:level>3</lp:level> <lp:topic>work</lp:topic> <lp:category>..</lp:category>
        <lp:expected-seconds>40</lp:expected-seconds> <lp:tag>tenses</lp:tag> <lp:tag>..</lp:tag>
      </lp:levelpath>

A package may instead (or as well) carry a ``catalogue.csv`` (identifier,type,skill,level,topic,
expected_seconds,...),
as LevelPath's starter bank does; the manifest extension wins where both say something.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from typing import Any
from xml.etree.ElementTree import Element, SubElement

from question_bank import item_types
from question_bank.models import MAX_EXPECTED_SECONDS
from question_bank.interchange.model import ExportableItem, whole_number
from question_bank.interchange.qti.names import split_tag, text_of

NAMESPACE = "urn:levelpath:qti-metadata:v1"
CATALOGUE = "catalogue.csv"


@dataclass(frozen=True, slots=True)
class Metadata:
    identifier: str | None = None
    type: str | None = None
    skill: str | None = None
    level: int | None = None
    topic: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    expected_seconds: int | None = None

    def over(self, other: Metadata | None) -> Metadata:
        """These values, with ``other``'s where these say nothing."""
        if other is None:
            return self
        return Metadata(identifier=self.identifier or other.identifier, type=self.type or other.type,
                        skill=self.skill or other.skill, level=self.level if self.level is not None else other.level,
                        topic=self.topic or other.topic, category=self.category or other.category,
                        tags=self.tags or other.tags, expected_seconds=self.expected_seconds
                        if self.expected_seconds is not None else other.expected_seconds)


def _level(text: str | None) -> int | None:
    return whole_number(text)


def _seconds(text: str | None) -> int | None:
    """Expected seconds as LevelPath stores them (1 to 7200); anything else says nothing."""
    seconds = whole_number(text)
    return seconds if seconds is not None and 1 <= seconds <= MAX_EXPECTED_SECONDS else None


def write_metadata(parent: Element, item: ExportableItem) -> None:
    """Append the extension element to a resource's <metadata> element."""
    root = SubElement(parent, f"{{{NAMESPACE}}}levelpath")
    values = [("identifier", item.identifier), ("type", item.type), ("skill", item.skill),
              ("level", None if item.level is None else str(item.level)), ("topic", item.topic),
              ("category", item.category),
              ("expected-seconds", None if item.expected_seconds is None else str(item.expected_seconds))] \
        + [("tag", tag) for tag in item.tags]
    for name, value in values:
        if value is not None:
            SubElement(root, f"{{{NAMESPACE}}}{name}").text = value


def read_metadata(resource: Element) -> Metadata | None:
    """The extension inside a manifest resource (any depth of <metadata>), or None."""
    for node in resource.iter(f"{{{NAMESPACE}}}levelpath"):
        values: dict[str, str] = {}
        tags = []
        for field_node in node:
            _namespace, name = split_tag(field_node.tag)
            if name == "tag":
                tags.append(text_of(field_node))
            else:
                values[name] = (field_node.text or "").strip()
        return Metadata(identifier=values.get("identifier") or None, type=values.get("type") or None,
                        skill=values.get("skill") or None, level=_level(values.get("level")),
                        topic=values.get("topic") or None, category=values.get("category") or None,
                        tags=tuple(tag for tag in tags if tag),
                        expected_seconds=_seconds(values.get("expected-seconds")))
    return None


def read_catalogue(data: bytes) -> dict[str, Metadata]:
    """identifier -> metadata from a catalogue.csv; unreadable rows are skipped."""
    try:
        rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        catalogue = {}
        for row in rows:
            identifier = (row.get("identifier") or "").strip()
            if not identifier:
                continue
            tags = tuple(tag.strip() for tag in (row.get("tags") or "").replace(";", ",").split(",") if tag.strip())
            catalogue[identifier] = Metadata(
                identifier=identifier, type=(row.get("type") or "").strip() or None,
                skill=(row.get("skill") or "").strip() or None, level=_level(row.get("level")),
                topic=(row.get("topic") or "").strip() or None, tags=tags,
                expected_seconds=_seconds(row.get("expected_seconds")))
        return catalogue
    except (UnicodeDecodeError, csv.Error):
        return {}


def _defaults(type_name: str) -> dict[str, Any]:
    return {"content/shuffle": False, "content/variant": "true_false_not_given", "content/min_choices": 0,
            "scoring/points": 1, "scoring/method": item_types.get(type_name).default_method,
            "scoring/case_sensitive": False}


def _stated(content: dict[str, Any], scoring: dict[str, Any], type_name: str) -> list[tuple[str, Any]]:
    found = []
    parts = {"content": content, "scoring": scoring}
    for path, default in _defaults(type_name).items():
        part, key = path.split("/")
        value = parts[part].get(key)
        if key in parts[part] and value == default and isinstance(value, bool) == isinstance(default, bool):
            found.append((path, parts[part][key]))
    for gap_id, rule in (scoring.get("gaps") or {}).items() if isinstance(scoring.get("gaps"), dict) else ():
        if isinstance(rule, dict) and rule.get("case_sensitive", None) is False:
            found.append((f"scoring/gaps/{gap_id}/case_sensitive", False))
    for index, entry in enumerate(scoring.get("accepted") or []):
        if isinstance(entry, dict) and entry.get("fraction") == 1 and not isinstance(entry["fraction"], bool):
            found.append((f"scoring/accepted/{index}/fraction", entry["fraction"]))
    return found


def stated_defaults(item: ExportableItem) -> str:
    """``data-lp-defaults``: the optional keys an item states with their default value."""
    return " ".join(f"{path}={value if isinstance(value, str) else json.dumps(value)}"
                    for path, value in _stated(item.content, item.scoring, item.type))


def _restorable(path: str, value: Any, type_name: str) -> bool:
    """What ``stated_defaults`` can write for this type: a known key with its default value. Anything else is
    foreign data (a key the type does not know, markup where a flag belongs) and is not restored."""
    keys = path.split("/")
    defaults = _defaults(type_name)
    if path in defaults:
        default = defaults[path]
        return value == default and isinstance(value, bool) == isinstance(default, bool) \
            and (keys[0] != "content" or keys[1] in item_types.get(type_name).content_keys)
    if len(keys) == 4 and (keys[0], keys[1], keys[3]) == ("scoring", "gaps", "case_sensitive"):
        return value is False
    return len(keys) == 4 and (keys[0], keys[1], keys[3]) == ("scoring", "accepted", "fraction") \
        and value == 1 and not isinstance(value, bool)


def restore_defaults(content: dict[str, Any], scoring: dict[str, Any], stated: str, type_name: str) -> None:
    """Put back the keys ``stated_defaults`` recorded (in place); unknown paths are ignored."""
    for token in stated.split():
        path, _, raw = token.partition("=")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw  # strings (method and variant names) are written bare
        if not _restorable(path, value, type_name):
            continue
        keys = path.split("/")
        target: Any = {"content": content, "scoring": scoring}.get(keys[0])
        for key in keys[1:-1]:
            if isinstance(target, dict):
                target = target.get(key)
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                target = None
        if isinstance(target, dict) and len(keys) > 1 and keys[-1] not in target:
            target[keys[-1]] = value


def with_metadata(item: Any, metadata: Metadata | None) -> Any:
    """An ImportedItem with package metadata filled in where the item itself says nothing."""
    if metadata is None:
        return item
    return replace(item, identifier=metadata.identifier or item.identifier, skill=item.skill or metadata.skill,
                   level=item.level if item.level is not None else metadata.level,
                   topic=item.topic or metadata.topic, category=item.category or metadata.category,
                   tags=item.tags or metadata.tags, expected_seconds=item.expected_seconds
                   if item.expected_seconds is not None else metadata.expected_seconds)
