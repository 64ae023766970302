"""The Idempotency-Keys a fixed or sectioned test's answers were saved with, so a late retry replays.

An answer to such a test can change many times; its Response row holds only the latest key. Every
acknowledged request is remembered here instead, with its position and a fingerprint of its answer, so
that a retry of an old one, however late, changes nothing. Adaptive answers never change: their Response
row keeps their key, and they cost nothing here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import Session

from assessment.models import AnswerRequest
from core import clock

# An answer changed more often than this keeps only its latest keys: a retry sent after 100 later changes
# to the same answer is not one a client makes. This bounds an attempt's keys to 100 per position.
KEYS_KEPT_PER_POSITION = 100


def answer_fingerprint(answer: dict[str, Any]) -> str:
    """The SHA-256 of an answer's canonical JSON: the same answer gives the same one, whatever its key order."""
    canonical = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_request(session: Session, attempt_id: int, key: str) -> AnswerRequest | None:
    return session.scalar(select(AnswerRequest).where(AnswerRequest.attempt_id == attempt_id,
                                                      AnswerRequest.idempotency_key == key))


def is_same_request(request: AnswerRequest, position: int, answer: dict[str, Any]) -> bool:
    return request.position == position and request.answer_sha256 == answer_fingerprint(answer)


def remember_request(session: Session, attempt_id: int, key: str, position: int, answer: dict[str, Any]) -> None:
    """Remember the key of an answer just saved, forgetting the position's keys beyond the latest ones kept."""
    session.add(AnswerRequest(attempt_id=attempt_id, idempotency_key=key, position=position,
                              answer_sha256=answer_fingerprint(answer), saved_at=clock.now()))
    session.flush()
    same_position = and_(AnswerRequest.attempt_id == attempt_id, AnswerRequest.position == position)
    oldest_kept = (select(AnswerRequest.id).where(same_position).order_by(AnswerRequest.id.desc())
                   .offset(KEYS_KEPT_PER_POSITION - 1).limit(1).scalar_subquery())
    session.execute(delete(AnswerRequest).where(same_position, AnswerRequest.id < oldest_kept),
                    execution_options={"synchronize_session": False})
