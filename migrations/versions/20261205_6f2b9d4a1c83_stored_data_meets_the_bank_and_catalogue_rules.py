"""Rows stored before session 17's rules are brought under them: tags composed, course languages as codes, and
items' search text and previews parting words at block edges.

- item_tags: a tag typed with accents apart (NFD) was stored so and found by no filter, which now looks for the
  composed (NFC), trimmed form; each is stored so, once per item.
- courses.language: free text ("EN", "en-US") until it became a code; the planner matched no position to such a
  course. A tag whose primary subtag is a code becomes that code; anything else ("English") stays, and the
  course's next edit asks for a code.
- items.search_text and preview: derived from the current version's content; before, block tags (<br>, <p>)
  ran words together ("Line one<br>line two" was found by "oneline"). They are computed again, as an edit would.

The downgrade changes nothing back: each new value means what the old one did.

Revision ID: 6f2b9d4a1c83
Revises: d3488db0e1f3
Create Date: 2026-12-05 10:00:00
"""
import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '6f2b9d4a1c83'
down_revision: str | None = 'd3488db0e1f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE = re.compile(r"[a-z]{2,3}")  # core.languages.LANGUAGE_CODE at this revision
JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')

item_tags = sa.table('item_tags', sa.column('item_id', sa.Integer), sa.column('tag', sa.String))
courses = sa.table('courses', sa.column('id', sa.Integer), sa.column('language', sa.String))
items = sa.table('items', sa.column('id', sa.Integer), sa.column('title', sa.String),
                 sa.column('current_version_id', sa.Integer), sa.column('search_text', sa.Text),
                 sa.column('preview', sa.String))
item_versions = sa.table('item_versions', sa.column('id', sa.Integer), sa.column('content', JSON))


def upgrade() -> None:
    bind = op.get_bind()
    _compose_tags(bind)
    _course_languages_as_codes(bind)
    _search_text_again(bind)


def _compose_tags(bind: sa.Connection) -> None:
    stored = bind.execute(sa.select(item_tags.c.item_id, item_tags.c.tag)).all()
    kept = {(item_id, tag) for item_id, tag in stored}
    for item_id, tag in stored:
        normal = unicodedata.normalize("NFC", tag.strip())
        if normal == tag:
            continue
        this = sa.and_(item_tags.c.item_id == item_id, item_tags.c.tag == tag)
        if (item_id, normal) in kept or not normal:  # the item has it already, composed: one is enough
            bind.execute(item_tags.delete().where(this))
        else:
            bind.execute(item_tags.update().where(this).values(tag=normal))
            kept.add((item_id, normal))
        kept.discard((item_id, tag))


def _course_languages_as_codes(bind: sa.Connection) -> None:
    for course_id, language in bind.execute(sa.select(courses.c.id, courses.c.language)
                                            .where(courses.c.language.is_not(None))).all():
        code = language.strip().replace("_", "-").split("-")[0].lower()
        if code != language and CODE.fullmatch(code):
            bind.execute(courses.update().where(courses.c.id == course_id).values(language=code))


def _search_text_again(bind: sa.Connection) -> None:
    # The bank's own derivation, as an edit computes it: search text and preview are derived data, nothing else.
    from question_bank.services import preview_of, searchable_text

    rows = bind.execute(sa.select(items.c.id, items.c.title, items.c.search_text, items.c.preview,
                                  item_versions.c.content)
                        .join(item_versions, item_versions.c.id == items.c.current_version_id)).all()
    for item_id, title, search_text, preview, content in rows:
        if not isinstance(content, dict):
            continue
        values = {"search_text": searchable_text(content, title or ""), "preview": preview_of(content)}
        if values != {"search_text": search_text, "preview": preview}:
            bind.execute(items.update().where(items.c.id == item_id).values(**values))


def downgrade() -> None:
    """Nothing to undo: each value means what it did before."""
