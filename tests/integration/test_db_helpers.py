"""core.db's helpers for hot paths, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from core.accounts import User
from core.db import add_inserted
from tests.factories import statements_run


def test_an_object_inserted_past_the_unit_of_work_is_whole_persistent_and_clean(db_session, database):
    with statements_run(database.engine) as inserting:
        user = add_inserted(db_session, User(username="inserted", password_hash="x", roles=["candidate"]))
    assert [statement.split()[0] for statement in inserting] == ["INSERT"]
    assert user.id is not None  # the generated key and the column defaults came back with the row
    assert user.is_active is True and user.full_name == "" and user.created_at.tzinfo is not None
    state = inspect(user)
    assert state.persistent and not state.modified and user not in db_session.new
    assert db_session.get(User, user.id) is user  # in the identity map: no second read
    with statements_run(database.engine) as flushing:
        db_session.flush()
    assert flushing == []  # never inserted a second time
    user.full_name = "Changed later"
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(User, user.id).full_name == "Changed later"
