"""Fixtures. Database tests run on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set.

Each backend gets its own schema built by the Alembic migrations once per run; every test then
runs inside a transaction that is rolled back afterwards (requests commit to a savepoint).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from api.db import SESSIONMAKER_KEY
from api.migrations import upgrade_database
from core import clock
from core.db import make_engine
from tests.factories import ApiClient, Factory, FakeClock

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail at once, clearly, if PostgreSQL is required (CI) but absent or unreachable."""
    if os.environ.get("LEVELPATH_REQUIRE_POSTGRES") == "1" and not POSTGRES_URL:
        pytest.exit("LEVELPATH_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set", returncode=3)
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:  # any failure to connect ends the run, with its reason
            pytest.exit(f"TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {error}", returncode=3)
        finally:
            engine.dispose()


def pytest_report_header() -> str:
    if POSTGRES_URL:
        return f"database backends: sqlite, postgresql ({make_url(POSTGRES_URL).render_as_string()})"
    return "database backends: sqlite only (set TEST_DATABASE_URL to add PostgreSQL)"


def postgres_schema_url(base_url: str, schema: str) -> str:
    """A URL whose connections work inside ``schema`` (search_path), so test runs don't collide."""
    url = make_url(base_url)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


class DatabaseUnderTest:
    """A freshly migrated database for one backend; dropped again at the end of the run."""

    def __init__(self, backend: str, tmp_dir: Path, *, migrate: bool = True) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{tmp_dir / 'levelpath-test.db'}"
            self._admin_engine: Engine | None = None
        else:
            assert POSTGRES_URL
            self.schema = f"lp_test_{uuid.uuid4().hex[:10]}"
            self._admin_engine = make_engine(POSTGRES_URL)
            with self._admin_engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.url = postgres_schema_url(POSTGRES_URL, self.schema)
        if migrate:
            upgrade_database(self.url)
        self.engine = make_engine(self.url)

    def drop(self) -> None:
        self.engine.dispose()
        if self._admin_engine is not None:
            with self._admin_engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            self._admin_engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseUnderTest]:
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    db = DatabaseUnderTest(request.param, tmp_path_factory.mktemp(request.param))
    yield db
    db.drop()


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DatabaseUnderTest]:
    """A database of its own with no schema yet, for migration and command-line tests."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    db = DatabaseUnderTest(request.param, tmp_path, migrate=False)
    yield db
    db.drop()


@pytest.fixture
def live_app(empty_database: DatabaseUnderTest, tmp_path: Path) -> Iterator[Flask]:
    """The app on a migrated database of its own, with real commits: for concurrent requests."""
    upgrade_database(empty_database.url)
    application = create_app({"DATABASE_URL": empty_database.url, "SECRET_KEY": "x", "MEDIA_ROOT": str(tmp_path)})
    yield application
    application.extensions["levelpath.engine"].dispose()


@pytest.fixture
def live_postgres_app(request: pytest.FixtureRequest, empty_database: DatabaseUnderTest) -> Flask:
    """``live_app`` on PostgreSQL only: row locks and concurrent writers are its part (SQLite serialises)."""
    if empty_database.backend != "postgresql":
        pytest.skip("row locks and concurrent writers are PostgreSQL's part; SQLite serialises writers")
    return request.getfixturevalue("live_app")


@pytest.fixture(scope="session")
def app(database: DatabaseUnderTest, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    application = create_app({"DATABASE_URL": database.url, "TESTING": True, "SECRET_KEY": "test-secret-key",
                              "MEDIA_ROOT": str(tmp_path_factory.mktemp("media"))})
    application.instance_path = str(tmp_path_factory.mktemp("instance"))
    return application


@pytest.fixture
def db_session(app: Flask, database: DatabaseUnderTest) -> Iterator[Session]:
    """A session in a transaction that is rolled back after the test; the app's requests join it."""
    connection = database.engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    original = app.extensions[SESSIONMAKER_KEY]
    app.extensions[SESSIONMAKER_KEY] = factory
    session = factory()
    try:
        yield session
    finally:
        session.close()
        app.extensions[SESSIONMAKER_KEY] = original
        outer.rollback()
        connection.close()


@pytest.fixture
def factory(db_session: Session) -> Factory:
    return Factory(db_session)


@pytest.fixture
def client(app: Flask, db_session: Session):
    return app.test_client()


@pytest.fixture
def fake_clock() -> Iterator[FakeClock]:
    """Time stands still at CLOCK_START until the test advances it."""
    fake = FakeClock()
    previous = clock.set_source(fake)
    yield fake
    clock.set_source(previous)


@pytest.fixture
def api_as(app: Flask, db_session: Session, factory: Factory):
    """``api_as(user)`` or ``api_as("reviewer")``: a client that sends that user's API token."""

    def make(who, *more_roles: str, **user_kwargs) -> ApiClient:
        user = factory.user(who, *more_roles, **user_kwargs) if isinstance(who, str) else who
        return ApiClient(app.test_client(), factory.token_for(user), user)

    return make
