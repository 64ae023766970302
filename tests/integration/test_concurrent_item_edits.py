"""Edits of one item sent at once with the same ETag, with real commits on PostgreSQL: exactly one passes.

Before, the If-Match check read the item and the write came after it, unlocked: every edit that read the item
before the first committed passed its check, and each overwrote the others (the ETag guard lost edits it exists
to keep). The item's row is now locked from the check to the commit.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.accounts import services as accounts
from core.accounts.types import Role
from question_bank import services as bank
from core.audit import AuditEvent
from question_bank.models import Item, ItemReview
from tests.factories import single_choice_spec
from tests.integration.test_concurrent_answers import THREADS, _together_while_locked


@pytest.fixture
def live(live_postgres_app, empty_database):
    with Session(empty_database.engine) as session:
        made = {role: accounts.create_user(session, username=f"{role.value}.e", password="long-enough-pw",
                                           roles=[role]) for role in (Role.AUTHOR, Role.REVIEWER)}
        author = made[Role.AUTHOR].as_actor()
        item, other = (bank.create_item(session, author=author, draft=bank.ItemDraft(**single_choice_spec()))
                       for _ in range(2))
        tokens = {}
        for role, user in made.items():
            issued, tokens[role] = accounts.issue_token(session, user=user, name="edits")
            issued.last_used_at = clock.now()  # no request records its use (that row's lock would serialise them)
        session.commit()
        yield live_postgres_app, item.id, other.id, item.etag, tokens, empty_database.engine


def _at_once(live, call) -> list:
    """``call`` on THREADS threads at once, all held at the item's row until each has had time to check its
    If-Match: only the row lock taken with the check can then keep two from passing it."""
    app, item_id, _, _, _, engine = live
    return _together_while_locked(engine, select(Item.id).where(Item.id == item_id).with_for_update(),
                                  lambda index: call(app.test_client(), index))


def test_edits_sent_at_once_with_one_etag_pass_once_and_the_others_get_412(live):
    _, item_id, _, etag, tokens, engine = live
    author = {"Authorization": f"Bearer {tokens[Role.AUTHOR]}", "If-Match": etag}
    responses = _at_once(live, lambda client, index: client.patch(
        f"/api/v1/items/{item_id}", json={"title": f"edit {index}"}, headers=author))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (THREADS - 1), statuses
    (kept,) = [r.json["title"] for r in responses if r.status_code == 200]
    with Session(engine) as session:
        stored = session.get(Item, item_id)
        assert (stored.title, stored.revision) == (kept, 2)
        assert len(session.scalars(select(AuditEvent).where(AuditEvent.action == "item.updated",
                                                            AuditEvent.entity_id == str(item_id))).all()) == 1


def test_enemies_set_at_once_with_one_etag_pass_once(live):
    _, item_id, other_id, etag, tokens, engine = live
    author = {"Authorization": f"Bearer {tokens[Role.AUTHOR]}", "If-Match": etag}
    responses = _at_once(live, lambda client, _index: client.put(
        f"/api/v1/items/{item_id}/enemies", json={"enemy_ids": [other_id]}, headers=author))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (THREADS - 1), statuses
    with Session(engine) as session:
        assert (session.get(Item, item_id).revision, session.get(Item, other_id).revision) == (2, 2)


def test_a_draft_submitted_for_review_at_once_is_submitted_once(live):
    _, item_id, _, _, tokens, engine = live
    author = {"Authorization": f"Bearer {tokens[Role.AUTHOR]}"}
    responses = _at_once(live, lambda client, _index: client.post(f"/api/v1/items/{item_id}/submit",
                                                                   headers=author))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * (THREADS - 1), statuses
    with Session(engine) as session:
        trail = session.scalars(select(ItemReview.action).where(ItemReview.item_id == item_id)).all()
    assert trail == ["submitted"]
