"""QTI item exchange: QTI 3.0 and 2.1/2.2 readers (documents and content packages), QTI 3.0 writers.

Modules: ``names`` renames QTI 2 to QTI 3 vocabulary (the one place the versions differ),
``documents`` loads XML safely with its XIncludes and media, ``scoring`` classifies response
declarations and processing, ``interactions`` maps each interaction to a LevelPath type, ``items``
builds stems, ``reader`` handles items, stimuli and tests, ``package`` content packages; ``writer``
and ``rules`` write QTI 3.0; ``extension`` is LevelPath's namespaced metadata and ``data-lp-*`` hints.

What QTI cannot say of LevelPath's model, and how the round trip stays lossless:

* Optional keys stated with their default (``shuffle: false``, ``points: 1``, a type's default
  ``method``, ``case_sensitive: false``, ``fraction: 1``) read the same as absent ones in QTI: the
  stem wrapper lists them in ``data-lp-defaults``.
* The type where QTI is ambiguous (a single choice whose ids are TRUE/FALSE, a lone gap) is in
  ``data-lp-type``; essay word limits, speaking times and short-answer length are ``data-lp-*``
  attributes on the interaction (QTI has only expected-length hints); the rubric name is
  ``data-lp-rubric`` on the scorer rubric block.
* Skill, level, topic, tags, category and an identifier that is not a valid QTI identifier travel
  in the package manifest only (a lone item file keeps a sanitised identifier and no metadata).
* ``*`` wildcards are written as ``qti-pattern-match`` (letters as ``[xX]`` when case-insensitive),
  so any QTI player scores them; on reading they come back after the literal answers (order has no
  effect on scoring). LevelPath also ignores repeated spaces in typed answers; QTI players compare
  exactly.
* Content keys outside a type's model are not written.
"""

from question_bank.interchange.qti.package import read_qti_package, write_qti3_package
from question_bank.interchange.qti.reader import read_qti_document
from question_bank.interchange.qti.writer import write_qti3_item, write_qti3_stimulus

__all__ = ["read_qti_document", "read_qti_package", "write_qti3_item", "write_qti3_package", "write_qti3_stimulus"]
