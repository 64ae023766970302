"""Finding items: filtered, text-searched, sorted and paginated, cheap on a large bank."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from core.accounts import Actor
from core.errors import PermissionDenied, RuleViolation
from question_bank import policies
from question_bank.models import Item, ItemTag, normal_tag

# Counting stops here: "1,000 or more" is all a person paging through results needs, and counting
# every match of a common word in a large bank costs several times more than finding the page itself
# (each match is a row to visit). Pages past the count still work: paging does not depend on it.
COUNT_LIMIT = 1_000

SORTS = {
    "id": Item.id.asc(), "-id": Item.id.desc(),
    "level": Item.level.asc(), "-level": Item.level.desc(),
    "updated_at": Item.updated_at.asc(), "-updated_at": Item.updated_at.desc(),
}


@dataclass(frozen=True, slots=True)
class ItemFilter:
    status: str | None = None
    skill: str | None = None
    level: int | None = None
    type: str | None = None
    language: str | None = None
    topic: str | None = None
    tags: Sequence[str] = field(default_factory=tuple)  # all of them
    text: str | None = None  # words that must all appear in the item's text
    author_id: int | None = None
    ids: Sequence[int] = field(default_factory=tuple)


WORD = re.compile(r"\w+", re.UNICODE)


def query_words(text_query: str) -> list[str]:
    """The words of a text query, lower-cased; punctuation is not searched for."""
    # NFC first: \w does not match the separate accents of decomposed (NFD) text, and items are stored NFC.
    return WORD.findall(unicodedata.normalize("NFC", unicodedata.normalize("NFC", text_query).casefold()))


def _text_condition(dialect: str, text_query: str) -> ColumnElement[bool] | None:
    """Every word of the query must occur in the item; punctuation is ignored.

    PostgreSQL matches words and word beginnings through its full-text index; elsewhere the words
    are looked for as substrings (which finds at least as much).
    """
    words = query_words(text_query)
    if not words:
        return None
    if dialect == "postgresql":
        return sql_text("items.search_vector @@ to_tsquery('simple', :words)").bindparams(
            words=" & ".join(f"{word}:*" for word in words))
    # \w includes "_", LIKE's one-character wildcard: escape it.
    return and_(*(Item.search_text.like("%" + word.replace("_", "\\_") + "%", escape="\\") for word in words))


def _filtered(query: Select, filters: ItemFilter, dialect: str = "sqlite") -> Select:
    for column, value in (("status", filters.status), ("skill", filters.skill), ("level", filters.level),
                          ("type", filters.type), ("language", filters.language), ("topic", filters.topic),
                          ("author_id", filters.author_id)):
        if value is not None:
            query = query.where(getattr(Item, column) == value)
    if filters.ids:
        query = query.where(Item.id.in_(filters.ids))
    for tag in filters.tags:
        query = query.where(Item.id.in_(select(ItemTag.item_id).where(ItemTag.tag == normal_tag(tag))))
    if filters.text:
        condition = _text_condition(dialect, filters.text)
        if condition is not None:
            query = query.where(condition)
    return query


SUMMARY_COLUMNS = (Item.id, Item.identifier, Item.type, Item.title, Item.preview, Item.skill, Item.level,
                   Item.language, Item.topic, Item.status, Item.author_id, Item.stimulus_id, Item.revision,
                   Item.updated_at)


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """An item as search results show it: metadata and a preview, read as plain rows (no ORM objects)."""

    id: int
    identifier: str | None
    type: str
    title: str
    preview: str
    skill: str | None
    level: int | None
    language: str
    topic: str | None
    status: str
    author_id: int
    stimulus_id: int | None
    revision: int
    updated_at: datetime
    tags: list[str]


def _sorted_after_matching(filters: ItemFilter, dialect: str) -> Select:
    """Summaries of a filter known to match few rows, found first and sorted after.

    With few matches PostgreSQL may still walk the sort column's index and test every row of the
    bank against the filter (50 ms on 100,000 items for a topic sorted by date). A materialized
    list of the matches keeps it to the filter's own index, then sorts at most COUNT_LIMIT rows.
    """
    matching = _filtered(select(Item.id), filters, dialect).cte("matching").prefix_with("MATERIALIZED")
    return select(*SUMMARY_COLUMNS).join(matching, matching.c.id == Item.id)


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: list[ItemSummary]
    total: int
    total_capped: bool  # True: there are at least ``total`` matches (COUNT_LIMIT), maybe more


def list_items(session: Session, *, actor: Actor, filters: ItemFilter, page: int, per_page: int,
               sort: str = "id") -> ItemPage:
    """A page of item summaries and how many match (counted up to COUNT_LIMIT). Raises PermissionDenied, and
    RuleViolation for a text query without a word."""
    if not policies.can_read_bank(actor):
        raise PermissionDenied("the item bank is for examiners and test administrators")
    if filters.text is not None and not query_words(filters.text):
        # Else the query would match every item: a search for "???" is not a request for the whole bank.
        raise RuleViolation("the text query holds no word to search for (letters or digits); punctuation is "
                            "not searched", field="q")
    dialect = session.get_bind().dialect.name
    matches = _filtered(select(Item.id), filters, dialect).limit(COUNT_LIMIT + 1).subquery()
    counted = session.scalar(select(func.count()).select_from(matches)) or 0
    if dialect == "postgresql" and counted <= COUNT_LIMIT:
        query = _sorted_after_matching(filters, dialect)
    else:
        query = _filtered(select(*SUMMARY_COLUMNS), filters, dialect)
    rows = session.execute(
        query.order_by(SORTS[sort], Item.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    tags: dict[int, list[str]] = {row.id: [] for row in rows}
    if tags:
        for item_id, tag in session.execute(
            select(ItemTag.item_id, ItemTag.tag).where(ItemTag.item_id.in_(tags)).order_by(ItemTag.tag)
        ):
            tags[item_id].append(tag)
    summaries = [ItemSummary(*row, tags=tags[row.id]) for row in rows]
    return ItemPage(items=summaries, total=min(counted, COUNT_LIMIT), total_capped=counted > COUNT_LIMIT)
