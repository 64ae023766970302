"""core.db's helpers for hot paths, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, func, inspect, select

from core.accounts import User
from core.accounts.throttle import LoginFailures
from core.audit import AuditEvent
from core.db import add_all_inserted, add_inserted, insert_of
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


def test_objects_inserted_together_take_one_statement_on_postgresql_with_a_write_beside_them(db_session, database):
    user = User(username="together", password_hash="x", roles=["candidate"])
    event = AuditEvent(action="test", entity_type="user", entity_id="1", detail={"kept": ["as", "given"]})
    upsert = insert_of(database.engine.dialect.name)(LoginFailures).values(key=bindparam("which"), failures=1,
                                                                                        recent=[])
    beside = (upsert.on_conflict_do_update(index_elements=[LoginFailures.key],
                                           set_={"failures": LoginFailures.failures + 1}), {"which": "counted beside"})
    db_session.add(LoginFailures(key="counted beside", failures=2, recent=[]))
    db_session.flush()
    with statements_run(database.engine) as inserting:
        add_all_inserted(db_session, [user, event], also=beside)
    expected = ["WITH"] if database.engine.dialect.name == "postgresql" else ["INSERT"] * 3
    assert [statement.split()[0] for statement in inserting] == expected
    assert user.id is not None and event.id is not None  # each object has its own row back
    assert user.is_active is True and user.full_name == "" and event.at.tzinfo is not None  # with the defaults
    assert event.detail == {"kept": ["as", "given"]}
    for instance in (user, event):
        state = inspect(instance)
        assert state.persistent and not state.modified and instance not in db_session.new
        assert db_session.get(type(instance), instance.id) is instance
    with statements_run(database.engine) as flushing:
        db_session.flush()
    assert flushing == []  # never inserted a second time
    db_session.expire_all()
    assert db_session.get(LoginFailures, "counted beside").failures == 3
    assert db_session.get(User, user.id).username == "together"
    assert db_session.get(AuditEvent, event.id).detail == {"kept": ["as", "given"]}


def test_objects_inserted_together_are_of_different_tables(db_session):
    """PostgreSQL takes two INSERTs into one table in a WITH, but SQLAlchemy cannot build it: refused on
    every database alike, before anything is written."""
    users = [User(username=name, password_hash="x", roles=["candidate"]) for name in ("one", "two")]
    with pytest.raises(ValueError, match="one object per table"):
        add_all_inserted(db_session, users)
    assert db_session.scalar(select(func.count()).select_from(User).where(User.username.in_(["one", "two"]))) == 0
