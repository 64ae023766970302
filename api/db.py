"""One database session per request, committed once when the request succeeds."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.db import SQLITE_WRITE_LOCK, make_engine
from core.errors import Conflict, DomainError

ENGINE_KEY = "levelpath.engine"
SESSIONMAKER_KEY = "levelpath.sessionmaker"


class ServiceUnavailable(DomainError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions[ENGINE_KEY] = engine
    app.extensions[SESSIONMAKER_KEY] = sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(_commit_or_rollback)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions[ENGINE_KEY]


# Requests that change something: on SQLite their transaction holds the write lock from its start (see
# core.db.SQLITE_WRITE_LOCK), so that requests writing at once take turns instead of failing with a 503.
WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def db_session() -> Session:
    """The request's session, opened on first use."""
    if "db_session" not in g:
        session = current_app.extensions[SESSIONMAKER_KEY]()
        if has_request_context() and request.method in WRITING_METHODS \
                and session.get_bind().dialect.name == "sqlite":
            session.connection(execution_options={SQLITE_WRITE_LOCK: True})
        g.db_session = session
    return g.db_session


def _commit_or_rollback(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400 and not g.get("keep_changes"):
        session.rollback()
        return response
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        return _problem_for(Conflict("the change conflicts with data saved meanwhile; reload and retry"), error)
    except OperationalError as error:
        session.rollback()
        return _problem_for(ServiceUnavailable("the database is unavailable; retry shortly"), error)
    return response


def _problem_for(error: DomainError, cause: Exception) -> Response:
    from api.errors import problem_response

    current_app.logger.warning("commit failed: %s", cause)
    return problem_response(error.status, title=error.title, detail=error.detail, slug=error.slug)


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()
