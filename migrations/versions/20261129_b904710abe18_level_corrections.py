"""Certified levels as their certificates have them: none from a revoked certificate, and the language of a
verified external certificate.

Two services wrote levels wrongly until now, and this corrects what they wrote:
- revoking one of the centre's certificates left the certified level it came with, so it still counted for
  compliance and could close a learning path (a revoked external certificate's level was removed already);
  such levels are removed, and a learning path that named one names none;
- verifying an external certificate in another language (JLPT, DELF/DALF, TCF, Goethe, TestDaF, HSK, TRKI)
  recorded an English level; such levels take their certificate kind's language, from the rule book
  (assessment/rules/data/certificate_kinds.yaml) as it stands at this revision.

The downgrade changes nothing back: the levels removed and the languages set were wrong under either schema.

Revision ID: b904710abe18
Revises: 046c9a04a704
Create Date: 2026-11-29 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b904710abe18'
down_revision: str | None = '046c9a04a704'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REVOKED_LEVELS = ("SELECT assessed_levels.id FROM assessed_levels JOIN certificates "
                  "ON certificates.attempt_id = assessed_levels.attempt_id WHERE certificates.revoked_at IS NOT NULL")
# The kinds of certificate_kinds.yaml whose language is not English.
KIND_LANGUAGES = {'tcf': 'fr', 'delf_dalf': 'fr', 'goethe': 'de', 'testdaf': 'de', 'hsk': 'zh', 'jlpt': 'ja',
                  'trki': 'ru'}


def upgrade() -> None:
    op.execute(f"UPDATE learning_paths SET assessed_level_id = NULL WHERE assessed_level_id IN ({REVOKED_LEVELS})")
    op.execute(f"DELETE FROM assessed_levels WHERE id IN ({REVOKED_LEVELS})")
    for kind, language in KIND_LANGUAGES.items():
        op.execute(sa.text("UPDATE assessed_levels SET language = :language WHERE external_certificate_id IN "
                           "(SELECT id FROM external_certificates WHERE kind = :kind)")
                   .bindparams(language=language, kind=kind))


def downgrade() -> None:
    pass
