"""The schema comes only from the Alembic migrations, and matches the models on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from api.migrations import downgrade_database, pending_migrations, upgrade_database
from core.db import Base, include_in_schema_comparison

EXPECTED_TABLES = {
    "users", "api_tokens", "units", "job_positions", "staff_members", "targets", "items", "item_versions",
    "item_reviews", "tests", "test_items", "attempts", "responses", "assessed_levels", "audit_events", "media",
    "stimuli", "item_tags", "item_enemies", "item_statistics",
}



def _insert_user(connection, user_id: int, username: str, role: str, at: datetime | str) -> None:
    """An account row as the schema under test holds it (written in SQL: the models may be newer than it)."""
    from sqlalchemy import bindparam

    from core.db import JsonType, UtcDateTime

    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    insert = text("INSERT INTO users (id, username, full_name, password_hash, roles, is_active, created_at) "
                  "VALUES (:id, :name, :name, 'x', :roles, true, :at)")
    connection.execute(insert.bindparams(bindparam("roles", type_=JsonType), bindparam("at", type_=UtcDateTime())),
                       {"id": user_id, "name": username, "roles": [role], "at": moment})


def _insert_items(connection, at: datetime, rows: list[dict]) -> None:
    """Single-choice items by author 1, as the schemas from 531a6c1dc928 on hold them (skill and level on the
    item); each row gives id, status, skill and level."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    connection.execute(text("INSERT INTO items (id, type, language, status, author_id, created_at, updated_at, title, "
                            "source, skill, level, revision, search_text, preview) VALUES (:id, 'single_choice', "
                            "'en', :status, 1, :at, :at, '', '', :skill, :level, 1, '', '')")
                       .bindparams(bindparam("at", type_=UtcDateTime())), [{**row, "at": at} for row in rows])


def _schema_diff(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "include_object": include_in_schema_comparison})
        return compare_metadata(context, Base.metadata)


def test_migrations_build_exactly_the_models_schema(empty_database):
    engine = empty_database.engine
    assert pending_migrations(engine)
    upgrade_database(empty_database.url)
    assert not pending_migrations(engine)
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES
    assert _schema_diff(engine) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(empty_database):
    upgrade_database(empty_database.url)
    downgrade_database(empty_database.url, "base")
    assert set(inspect(empty_database.engine).get_table_names()) <= {"alembic_version"}
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_postgresql_gets_a_trigram_index_for_text_search(empty_database):
    upgrade_database(empty_database.url)
    indexes = {index["name"] for index in inspect(empty_database.engine).get_indexes("items")}
    if empty_database.backend == "postgresql":
        assert "ix_items_search_text_trgm" in indexes
    else:
        assert "ix_items_search_text_trgm" not in indexes


def test_existing_item_versions_keep_the_passage_their_item_was_delivered_with(empty_database):
    """3f8a6c2e9d41 pins each version to a stimulus: existing versions take their item's."""
    from sqlalchemy import text

    upgrade_database(empty_database.url, "7e1c5a9b3d20")
    now = "2026-11-24 08:00:00+00:00"
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", now)
        connection.execute(text("INSERT INTO stimuli (id, kind, title, body, language, content_hash, created_by, "
                                "created_at) VALUES (7, 'passage', 'Notice', '<p>Text.</p>', 'en', 'h', 1, :now)"),
                           {"now": now})
        connection.execute(text("INSERT INTO items (id, type, language, status, author_id, created_at, updated_at, "
                                "title, source, stimulus_id, revision, search_text, preview) VALUES (:id, "
                                "'single_choice', 'en', 'draft', 1, :now, :now, '', '', :stimulus, 1, '', '')"),
                           [{"id": 1, "stimulus": 7, "now": now}, {"id": 2, "stimulus": None, "now": now}])
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (:id, :item, :number, '{}', '{}', 1, :now)"),
                           [{"id": item * 10 + number, "item": item, "number": number, "now": now}
                            for item in (1, 2) for number in (1, 2)])
    upgrade_database(empty_database.url)
    with empty_database.engine.connect() as connection:
        pinned = dict(connection.execute(text("SELECT id, stimulus_id FROM item_versions ORDER BY id")).all())
    assert pinned == {11: 7, 12: 7, 21: None, 22: None}


def test_one_login_account_is_linked_to_at_most_one_staff_record(empty_database):
    """Levels, paths and certificates are found through StaffMember.user_id: the database keeps it unique."""
    upgrade_database(empty_database.url)
    unique = inspect(empty_database.engine).get_unique_constraints("staff_members")
    assert {"name": "uq_staff_members_user_id", "column_names": ["user_id"]} in [
        {"name": u["name"], "column_names": u["column_names"]} for u in unique]
    now = "2026-11-24 08:00:00+00:00"
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "lan", "candidate", now)
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (1, 'U1', 'Unit', "
                                "'vgcl_department')"))
    insert = text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, user_id, created_at, "
                  "languages, is_language_teacher, is_external_relations) VALUES (:id, 'P', 1, 'civil_servant', "
                  "false, 1, :now, '[]', false, false)")
    with empty_database.engine.begin() as connection:
        connection.execute(insert, {"id": 1, "now": now})
    with pytest.raises(IntegrityError), empty_database.engine.begin() as connection:
        connection.execute(insert, {"id": 2, "now": now})


def _seed_attempt_answers(connection) -> None:
    """A fixed test and an adaptive one, each with an attempt whose first answer was saved under a key."""
    from sqlalchemy import bindparam, text

    from core.db import UtcDateTime

    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 11, 24, 8, 0, tzinfo=UTC)}
    _insert_user(connection, 1, "cand", "candidate", now["at"])
    connection.execute(text("INSERT INTO items (id, type, language, status, author_id, created_at, updated_at, "
                            "title, source, revision, search_text, preview) VALUES (1, 'single_choice', 'en', "
                            "'approved', 1, :at, :at, '', '', 1, '', '')").bindparams(at), now)
    connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                            "created_at) VALUES (:id, 1, :id, '{}', '{}', 1, :at)").bindparams(at),
                       [{"id": 1, **now}, {"id": 2, **now}])
    connection.execute(text("INSERT INTO tests (id, title, description, kind, purpose, status, cut_scores, "
                            "created_by, created_at, config) VALUES (:id, 'T', '', :kind, 'practice', 'published', "
                            "'[]', 1, :at, '{}')").bindparams(at),
                       [{"id": 1, "kind": "fixed", **now}, {"id": 2, "kind": "adaptive", **now}])
    connection.execute(text("INSERT INTO test_items (test_id, position, item_version_id) VALUES (:test, :position, "
                            ":version)"),
                       [{"test": 1, "position": 1, "version": 1}, {"test": 1, "position": 2, "version": 2},
                        {"test": 2, "position": 1, "version": 2}])
    connection.execute(text("INSERT INTO attempts (id, test_id, candidate_id, status, started_at) VALUES "
                            "(:id, :id, 1, 'in_progress', :at)").bindparams(at), [{"id": 1, **now}, {"id": 2, **now}])
    connection.execute(text("INSERT INTO responses (id, attempt_id, item_version_id, answer, answered_at, "
                            "idempotency_key) VALUES (:id, :attempt, :version, :answer, :at, :key)").bindparams(at),
                       [{"id": 1, "attempt": 1, "version": 2, "answer": '{"choice": "C"}', "key": "k-2", **now},
                        {"id": 2, "attempt": 1, "version": 1, "answer": '{"choice": "A"}', "key": None, **now},
                        {"id": 3, "attempt": 2, "version": 2, "answer": '{"choice": "B"}', "key": "a-1", **now}])


def test_the_latest_key_of_each_saved_answer_is_remembered_for_its_retries(empty_database):
    """fb83a0601acc keeps every key of a fixed or sectioned test's answers: the keys already on responses move in."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from assessment.models import AnswerRequest
    from assessment.answer_requests import answer_fingerprint

    upgrade_database(empty_database.url, "3f8a6c2e9d41")
    with empty_database.engine.begin() as connection:
        _seed_attempt_answers(connection)
    upgrade_database(empty_database.url)
    with Session(empty_database.engine) as session:
        (copied,) = session.scalars(select(AnswerRequest)).all()  # the adaptive answer keeps its key on its row
    assert (copied.attempt_id, copied.idempotency_key, copied.position) == (1, "k-2", 2)
    assert copied.answer_sha256 == answer_fingerprint({"choice": "C"})
    assert copied.saved_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_verified_outside_levels_date_from_their_certificates_issue_day(empty_database):
    """fd102cc256b6 moves the awarded_at of stored external levels from verification to the issue day."""
    from sqlalchemy import bindparam, text
    from sqlalchemy.orm import Session

    from assessment.models import AssessedLevel
    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "fb83a0601acc")
    verified = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        at = bindparam("at", type_=UtcDateTime())
        _insert_user(connection, 1, "holder", "hr", verified)
        _insert_user(connection, 2, "hr", "hr", verified)
        connection.execute(text("INSERT INTO media (sha256, mime_type, size, original_name, created_at) VALUES "
                                "(:sha, 'application/pdf', 1, 'c.pdf', :at)").bindparams(at),
                           {"sha": "a" * 64, "at": verified})
        connection.execute(text(
            "INSERT INTO external_certificates (id, holder_id, kind, issuing_body, certificate_number, number_key, "
            "issued_on, score, purpose, converted_on, level, outcome, conversion_rule, regulation_id, "
            "regulation_citation, conversion_explanation, document_sha256, document_name, status, recorded_by, "
            "recorded_at, verified_by, verified_at) VALUES (7, 1, 'ielts', 'IDP', 'N1', 'N1', :issued, '\"6.0\"', "
            "'masters', :issued, 4, 'matched', 'r', 'TT', 'c', 'e', :sha, 'c.pdf', 'verified', 2, :at, 2, :at)")
            .bindparams(at), {"issued": date(2026, 1, 10), "sha": "a" * 64, "at": verified})
        connection.execute(text("INSERT INTO assessed_levels (id, user_id, level, basis, external_certificate_id, "
                                "awarded_at, language) VALUES (1, 1, 4, 'external', 7, :at, 'en')").bindparams(at),
                           {"at": verified})
    upgrade_database(empty_database.url)
    with Session(empty_database.engine) as session:
        assert session.get(AssessedLevel, 1).awarded_at == datetime(2026, 1, 10, tzinfo=UTC)
    downgrade_database(empty_database.url, "fb83a0601acc")  # back to the moment it was verified
    with Session(empty_database.engine) as session:
        assert session.get(AssessedLevel, 1).awarded_at == verified


def test_items_written_in_decomposed_unicode_are_found_by_composed_searches(empty_database):
    """30455eb0ca0c rewrites the search text and preview of items stored in NFD, as searches now compare NFC."""
    import unicodedata

    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "fd102cc256b6")
    typed = unicodedata.normalize("NFD", "tiếng việt ở hà nội")
    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 11, 24, 8, 0, tzinfo=UTC)}
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", now["at"])
        connection.execute(text("INSERT INTO items (id, type, language, status, author_id, created_at, updated_at, "
                                "title, source, revision, search_text, preview) VALUES (:id, 'single_choice', 'vi', "
                                "'draft', 1, :at, :at, '', '', 1, :search, :preview)").bindparams(at),
                           [{"id": 1, "search": typed, "preview": typed, **now},
                            {"id": 2, "search": "plain", "preview": "plain", **now}])
    upgrade_database(empty_database.url)
    with empty_database.engine.connect() as connection:
        stored = connection.execute(text("SELECT id, search_text, preview FROM items ORDER BY id")).all()
    composed = unicodedata.normalize("NFC", typed)
    assert [tuple(row) for row in stored] == [(1, composed, composed), (2, "plain", "plain")]


def test_stored_rating_scores_become_the_exact_scores_they_stand_for(empty_database):
    """531a6c1dc928 keeps rating scores exact: floats stored before become the fractions the raters gave."""
    from fractions import Fraction

    from sqlalchemy import bindparam
    from sqlalchemy.orm import Session

    from assessment.rating.models import RatedResponse, RatingAssignment
    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "30455eb0ca0c")
    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 11, 24, 8, 0, tzinfo=UTC)}
    with empty_database.engine.begin() as connection:
        _seed_attempt_answers(connection)
        _insert_user(connection, 2, "r2", "rater", now["at"])
        _insert_user(connection, 3, "r3", "rater", now["at"])
        connection.execute(text("INSERT INTO rubrics (id, code, version, skill, title, criteria, created_at) VALUES "
                                "(1, 'vstep-speaking', 1, 'speaking', 'Speaking', '[]', :at)").bindparams(at), now)
        # Mean of 5.6 and 5.8 as a float; a three-criterion mean (17/3); a mean of 5.0 and 5.1; one not submitted.
        connection.execute(text("INSERT INTO rating_assignments (id, response_id, rater_id, round, rubric_id, status, "
                                "assigned_at, due_at, score, comment) VALUES (:id, :response, :rater, 1, 1, "
                                "'submitted', :at, :at, :score, '')").bindparams(at),
                           [{"id": 1, "response": 1, "rater": 2, "score": 5.6, **now},
                            {"id": 2, "response": 1, "rater": 3, "score": 17 / 3, **now},
                            {"id": 3, "response": 2, "rater": 2, "score": None, **now}])
        connection.execute(text("INSERT INTO rated_responses (response_id, attempt_id, status, final_score) VALUES "
                                "(:response, :attempt, :status, :score)"),
                           [{"response": 1, "attempt": 1, "status": "final", "score": (5.6 + 5.8) / 2},
                            {"response": 2, "attempt": 1, "status": "final", "score": (5.0 + 5.1) / 2},
                            {"response": 3, "attempt": 2, "status": "double_marking", "score": None}])
    assert (5.6 + 5.8) / 2 != 5.7  # the artefact the migration removes
    upgrade_database(empty_database.url)
    with Session(empty_database.engine) as session:
        assert [a.score for a in session.query(RatingAssignment).order_by(RatingAssignment.id)] == [
            Fraction(28, 5), Fraction(17, 3), None]
        assert [r.final_score for r in session.query(RatedResponse).order_by(RatedResponse.response_id)] == [
            Fraction(57, 10), Fraction(101, 20), None]
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT final_score FROM rated_responses WHERE response_id = 1")).scalar() \
            == "5.7"
    downgrade_database(empty_database.url, "30455eb0ca0c")
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT score FROM rating_assignments ORDER BY id")).scalars().all() == [
            5.6, 17 / 3, None]
        assert connection.execute(text("SELECT final_score FROM rated_responses ORDER BY response_id")).scalars() \
            .all() == [5.7, 5.05, None]


def test_existing_item_versions_keep_the_skill_and_level_their_item_was_delivered_with(empty_database):
    """8d85b935d5c0 pins each version's skill and level: existing versions take their item's classification."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "531a6c1dc928")
    at = bindparam("at", type_=UtcDateTime())
    now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", now)
        _insert_items(connection, now, [{"id": 1, "status": "approved", "skill": "reading", "level": 3},
                                        {"id": 2, "status": "draft", "skill": "listening", "level": 5},
                                        {"id": 3, "status": "draft", "skill": None, "level": None}])
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (:id, :item, :number, '{}', '{}', 1, :at)").bindparams(at),
                           [{"id": item * 10 + number, "item": item, "number": number, "at": now}
                            for item in (1, 2, 3) for number in (1, 2)])
    upgrade_database(empty_database.url, "8d85b935d5c0")
    with empty_database.engine.connect() as connection:
        pinned = {row[0]: tuple(row[1:]) for row in connection.execute(
            text("SELECT id, skill, level FROM item_versions ORDER BY id"))}
    assert pinned == {11: ("reading", 3), 12: ("reading", 3), 21: ("listening", 5), 22: ("listening", 5),
                      31: (None, None), 32: (None, None)}
    downgrade_database(empty_database.url, "531a6c1dc928")
    columns = {column["name"] for column in inspect(empty_database.engine).get_columns("item_versions")}
    assert {"skill", "level"}.isdisjoint(columns) and "stimulus_id" in columns


def test_benchmark_scores_become_exact_and_stored_leadership_roles_move_onto_the_ladder(empty_database):
    """a065aa92f44d: agreed scores become the exact scores typed or meant; titles stored before roles were
    checked become their rung, a blank one no role, and one that names no rung is kept as HR wrote it."""
    import unicodedata
    from fractions import Fraction

    from sqlalchemy import bindparam
    from sqlalchemy.orm import Session

    from assessment.rating.models import Benchmark
    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "3c2208a63255")
    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 11, 25, 8, 0, tzinfo=UTC)}
    titles = ["trưởng_phòng", "Trưởng phòng", "truong phong", "TRƯỞNG  PHÒNG",
              unicodedata.normalize("NFD", "Phó Chủ Tịch"), "Vụ-trưởng", "division_head", "Giám đốc", "  ", None]
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "admin", "test_admin", now["at"])
        connection.execute(text("INSERT INTO items (id, type, language, status, author_id, created_at, updated_at, "
                                "title, source, revision, search_text, preview) VALUES (1, 'essay', 'en', "
                                "'approved', 1, :at, :at, '', '', 1, '', '')").bindparams(at), now)
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (1, 1, 1, '{}', '{}', 1, :at)").bindparams(at), now)
        # typed 6.5 and 5.33; a mean of 5, 6 and 6 (17/3) as a float; one just off a multiple of 1/10080
        connection.execute(text("INSERT INTO rating_benchmarks (id, item_version_id, answer, agreed_score, active, "
                                "created_by, created_at) VALUES (:id, 1, '{}', :score, true, 1, :at)")
                           .bindparams(at), [{"id": i, "score": score, **now}
                                             for i, score in enumerate((6.5, 5.33, 17 / 3, 5.2500001), start=1)])
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (1, 'U1', 'Unit', "
                                "'vgcl_department')"))
        connection.execute(text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, created_at, "
                                "languages, is_language_teacher, is_external_relations, leadership_role) VALUES "
                                "(:id, 'P', 1, 'civil_servant', true, :at, '[]', false, false, :role)")
                           .bindparams(at), [{"id": i, "role": role, **now} for i, role in enumerate(titles, start=1)])
    upgrade_database(empty_database.url)
    with Session(empty_database.engine) as session:
        assert [b.agreed_score for b in session.query(Benchmark).order_by(Benchmark.id)] == [
            Fraction(13, 2), Fraction(533, 100), Fraction(17, 3), Fraction("5.2500001")]
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT agreed_score FROM rating_benchmarks ORDER BY id")).scalars().all() \
            == ["6.5", "5.33", "17/3", "5.2500001"]
        roles = connection.execute(text("SELECT leadership_role FROM staff_members ORDER BY id")).scalars().all()
    assert roles == ["division_head"] * 4 + ["vice_president", "department_head", "division_head", "Giám đốc",
                                              None, None]
    downgrade_database(empty_database.url, "3c2208a63255")
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT agreed_score FROM rating_benchmarks ORDER BY id")).scalars().all() \
            == [6.5, 5.33, 17 / 3, 5.2500001]
        assert connection.execute(text("SELECT leadership_role FROM staff_members WHERE id = 8")).scalar() \
            == "Giám đốc"


def test_staff_records_get_an_employment_period_and_lose_it_on_downgrade(empty_database):
    """5e7c1a9b2d40 adds joined_on and left_on with no value (employed since before the records, still employed),
    in place: a staff record other rows point at (a learning path) keeps its id and its data both ways."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "bee88f6f3457")
    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 11, 26, 8, 0, tzinfo=UTC)}
    with empty_database.engine.begin() as connection:
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (1, 'U1', 'Unit', "
                                "'vgcl_department')"))
        connection.execute(text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, created_at, "
                                "languages, is_language_teacher, is_external_relations) VALUES (7, 'Lan', 1, "
                                "'civil_servant', false, :at, '[]', false, false)").bindparams(at), now)
        connection.execute(text("INSERT INTO learning_paths (id, staff_member_id, language, target_level, "
                                "current_level, skill_profile, status, verdict, reason, planned_at) VALUES (3, 7, "
                                "'en', 4, 2, '{}', 'open', 'on_track', '', :at)").bindparams(at), now)
    upgrade_database(empty_database.url)
    with empty_database.engine.begin() as connection:
        assert connection.execute(text("SELECT joined_on, left_on FROM staff_members WHERE id = 7")).one() == (
            None, None)
        connection.execute(text("UPDATE staff_members SET joined_on = :joined, left_on = :left WHERE id = 7"),
                           {"joined": date(2015, 9, 1), "left": date(2026, 10, 31)})
    downgrade_database(empty_database.url, "bee88f6f3457")
    columns = {column["name"] for column in inspect(empty_database.engine).get_columns("staff_members")}
    assert {"joined_on", "left_on"}.isdisjoint(columns) and "is_external_relations" in columns
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT full_name FROM staff_members WHERE id = 7")).scalar() == "Lan"
        assert connection.execute(text("SELECT staff_member_id FROM learning_paths")).scalar() == 7
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_accounts_of_recorded_leavers_get_their_last_day_as_access_end_and_lose_it_on_downgrade(empty_database):
    """c4d8e2a61f07 adds users.access_ends_on and fills it as learning keeps it: the left_on of the account's staff
    record; an account of someone still employed, or linked to no record, has no end."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "5e7c1a9b2d40")
    at = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        for user_id, name in ((1, "gone"), (2, "staying"), (3, "unlinked"), (4, "no.record")):
            _insert_user(connection, user_id, name, "candidate", at)
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (1, 'U1', 'Unit', "
                                "'vgcl_department')"))
        insert = text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, user_id, left_on, "
                      "created_at, languages, is_language_teacher, is_external_relations) VALUES (:id, 'P', 1, "
                      "'civil_servant', false, :user_id, :left_on, :at, '[]', false, false)"
                      ).bindparams(bindparam("at", type_=UtcDateTime()))
        for staff_id, user_id, left_on in ((1, 1, date(2026, 10, 31)), (2, 2, None), (3, None, date(2026, 9, 30))):
            connection.execute(insert, {"id": staff_id, "user_id": user_id, "left_on": left_on, "at": at})
    upgrade_database(empty_database.url)
    with empty_database.engine.connect() as connection:
        ends = dict(connection.execute(text("SELECT username, access_ends_on FROM users")).all())
    assert {name: None if end is None else date.fromisoformat(str(end)) for name, end in ends.items()} == {
        "gone": date(2026, 10, 31), "staying": None, "unlinked": None, "no.record": None}
    downgrade_database(empty_database.url, "5e7c1a9b2d40")
    assert "access_ends_on" not in {column["name"] for column in inspect(empty_database.engine).get_columns("users")}
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 4
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_adaptive_tests_keep_the_parameters_of_their_pool_and_lose_them_on_downgrade(empty_database):
    """046c9a04a704 freezes an adaptive test's item parameters with its pool: existing adaptive tests take the
    bank's of the moment; a fixed test's entries have none."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "c4d8e2a61f07")
    at = bindparam("at", type_=UtcDateTime())
    now = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", now)
        _insert_items(connection, now, [{"id": item, "status": "approved", "skill": "grammar", "level": 3}
                                        for item in (1, 2)])
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (:id, :id, 1, '{}', '{}', 1, :at)").bindparams(at),
                           [{"id": item, "at": now} for item in (1, 2)])
        connection.execute(text("INSERT INTO item_statistics (item_version_id, exposure_count, response_count, "
                                "irt_provisional, irt_a, irt_b, irt_c) VALUES (:id, 0, 0, false, :a, :b, :c)"),
                           [{"id": 1, "a": 1.2, "b": -0.5, "c": None}, {"id": 2, "a": 0.9, "b": 1.5, "c": 0.2}])
        connection.execute(text("INSERT INTO tests (id, title, description, kind, purpose, status, cut_scores, "
                                "config, created_by, created_at) VALUES (:id, 'T', '', :kind, 'placement', "
                                "'published', '[]', '{}', 1, :at)").bindparams(at),
                           [{"id": 1, "kind": "adaptive", "at": now}, {"id": 2, "kind": "fixed", "at": now}])
        connection.execute(text("INSERT INTO test_items (test_id, position, item_version_id) VALUES (:test, :position, "
                                ":version)"), [{"test": test, "position": version, "version": version}
                                               for test in (1, 2) for version in (1, 2)])
    upgrade_database(empty_database.url, "046c9a04a704")
    with empty_database.engine.connect() as connection:
        frozen = {tuple(row[:2]): tuple(row[2:]) for row in connection.execute(
            text("SELECT test_id, item_version_id, irt_a, irt_b, irt_c FROM test_items"))}
    assert frozen == {(1, 1): (1.2, -0.5, None), (1, 2): (0.9, 1.5, 0.2),
                      (2, 1): (None, None, None), (2, 2): (None, None, None)}
    downgrade_database(empty_database.url, "c4d8e2a61f07")
    columns = {column["name"] for column in inspect(empty_database.engine).get_columns("test_items")}
    assert columns == {"test_id", "position", "item_version_id"}
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def _insert_attempts(connection, at: datetime, purpose: str, statuses: dict[int, str]) -> None:
    """A published fixed test (id 1) of ``purpose`` by user 1, and user 1's attempts at it: id -> status."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    moment = bindparam("at", type_=UtcDateTime())
    connection.execute(text("INSERT INTO tests (id, title, description, kind, purpose, status, cut_scores, created_by, "
                            "created_at, config) VALUES (1, 'T', '', 'fixed', :purpose, 'published', '[]', 1, :at, "
                            "'{}')").bindparams(moment), {"purpose": purpose, "at": at})
    connection.execute(text("INSERT INTO attempts (id, test_id, candidate_id, status, started_at) VALUES (:id, 1, 1, "
                            ":status, :at)").bindparams(moment),
                       [{"id": attempt_id, "status": status, "at": at} for attempt_id, status in statuses.items()])


def test_levels_of_revoked_certificates_go_and_external_levels_take_their_certificates_language(empty_database):
    """b904710abe18 removes the certified levels of revoked certificates (a learning path naming one names none)
    and gives a verified external certificate's level its kind's language; other levels stay as they are."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "046c9a04a704")
    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 11, 29, 8, 0, tzinfo=UTC)}
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "holder", "candidate", now["at"])
        _insert_attempts(connection, now["at"], "certification", {1: "submitted", 2: "submitted"})
        connection.execute(text("INSERT INTO certificates (id, serial, year, sequence, user_id, attempt_id, data, "
                                "key_id, code_digest, issued_at, revoked_at) VALUES (:id, :serial, 2026, :id, 1, :id, "
                                "'{}', 'k1', :digest, :at, :revoked)").bindparams(at, bindparam("revoked",
                                                                                               type_=UtcDateTime())),
                           [{"id": 1, "serial": "LP-2026-000001", "digest": "a" * 64, "revoked": now["at"], **now},
                            {"id": 2, "serial": "LP-2026-000002", "digest": "b" * 64, "revoked": None, **now}])
        connection.execute(text("INSERT INTO media (sha256, mime_type, size, original_name, created_at) VALUES "
                                "(:sha, 'application/pdf', 1, 'c.pdf', :at)").bindparams(at), {"sha": "c" * 64, **now})
        connection.execute(text(
            "INSERT INTO external_certificates (id, holder_id, kind, issuing_body, certificate_number, number_key, "
            "issued_on, score, purpose, converted_on, level, outcome, conversion_rule, regulation_id, "
            "regulation_citation, conversion_explanation, document_sha256, document_name, status, recorded_by, "
            "recorded_at, verified_by, verified_at) VALUES (:id, 1, :kind, 'X', :number, :number, :issued, '\"N3\"', "
            "'masters', :issued, 4, 'matched', 'r', 'TT', 'c', 'e', :sha, 'c.pdf', 'verified', 1, :at, 1, :at)"
        ).bindparams(at), [{"id": 7, "kind": "jlpt", "number": "J1", "issued": date(2026, 1, 10), "sha": "c" * 64,
                            **now},
                           {"id": 8, "kind": "ielts", "number": "I1", "issued": date(2026, 1, 10), "sha": "c" * 64,
                            **now}])
        connection.execute(text("INSERT INTO assessed_levels (id, user_id, level, basis, attempt_id, "
                                "external_certificate_id, awarded_at, language) VALUES (:id, 1, 4, :basis, :attempt, "
                                ":external, :at, 'en')").bindparams(at),
                           [{"id": 1, "basis": "certification", "attempt": 1, "external": None, **now},
                            {"id": 2, "basis": "certification", "attempt": 2, "external": None, **now},
                            {"id": 3, "basis": "external", "attempt": None, "external": 7, **now},
                            {"id": 4, "basis": "external", "attempt": None, "external": 8, **now}])
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (1, 'U1', 'Unit', "
                                "'vgcl_department')"))
        connection.execute(text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, created_at, "
                                "languages, is_language_teacher, is_external_relations, user_id) VALUES (7, 'Lan', 1, "
                                "'civil_servant', false, :at, '[]', false, false, 1)").bindparams(at), now)
        connection.execute(text("INSERT INTO learning_paths (id, staff_member_id, language, target_level, "
                                "current_level, skill_profile, status, verdict, deadline_from_position, "
                                "external_relations, reason, planned_at, assessed_level_id) VALUES (3, 7, 'en', 4, 4, "
                                "'{}', 'closed', 'met', false, false, '', :at, 1)").bindparams(at), now)
    upgrade_database(empty_database.url, "b904710abe18")
    with empty_database.engine.connect() as connection:
        levels = {row[0]: row[1] for row in connection.execute(text("SELECT id, language FROM assessed_levels"))}
        path_level = connection.execute(text("SELECT assessed_level_id FROM learning_paths WHERE id = 3")).scalar()
    assert levels == {2: "en", 3: "ja", 4: "en"} and path_level is None
    downgrade_database(empty_database.url, "046c9a04a704")
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_attempts_started_before_presentation_keys_keep_none_and_the_downgrade_drops_them(empty_database):
    """5a0d3c9e7b21 adds attempts.presentation_key, NULL for the attempts already there (they show options as
    stored, as their candidates' clients may hold the stored ids)."""


    upgrade_database(empty_database.url, "b904710abe18")
    now = {"at": datetime(2026, 11, 30, 8, 0, tzinfo=UTC)}
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "candidate", "candidate", now["at"])
        _insert_attempts(connection, now["at"], "practice", {1: "in_progress"})
    upgrade_database(empty_database.url, "5a0d3c9e7b21")
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT id, presentation_key FROM attempts")).all() == [(1, None)]
    downgrade_database(empty_database.url, "b904710abe18")
    assert "presentation_key" not in {column["name"] for column in inspect(empty_database.engine).get_columns(
        "attempts")}
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_accounts_of_moved_records_take_their_records_unit(empty_database):
    """1859d5b32889 moves a linked account of a unit to its staff record's unit; an account without a unit, or
    linked to no record, keeps what it has."""
    upgrade_database(empty_database.url, "5a0d3c9e7b21")
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (:id, :code, 'Unit', "
                                "'vgcl_department')"), [{"id": 1, "code": "U1"}, {"id": 2, "code": "U2"}])
        for user_id, name in ((1, "moved"), (2, "staying"), (3, "organisation.wide"), (4, "unlinked")):
            _insert_user(connection, user_id, name, "candidate", at)
        connection.execute(text("UPDATE users SET unit_id = :unit WHERE id = :id"),
                           [{"id": 1, "unit": 1}, {"id": 2, "unit": 2}, {"id": 3, "unit": None}, {"id": 4, "unit": 1}])
        insert = text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, user_id, created_at, "
                      "languages, is_language_teacher, is_external_relations) VALUES (:id, 'P', :unit, "
                      "'civil_servant', false, :user_id, :at, '[]', false, false)")
        connection.execute(insert, [{"id": 1, "unit": 2, "user_id": 1, "at": at.isoformat()},
                                    {"id": 2, "unit": 2, "user_id": 2, "at": at.isoformat()},
                                    {"id": 3, "unit": 2, "user_id": 3, "at": at.isoformat()}])
    upgrade_database(empty_database.url, "1859d5b32889")
    with empty_database.engine.connect() as connection:
        units = dict(connection.execute(text("SELECT username, unit_id FROM users")).all())
    assert units == {"moved": 2, "staying": 2, "organisation.wide": None, "unlinked": 1}
    downgrade_database(empty_database.url, "5a0d3c9e7b21")
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_login_failures_keep_their_running_pauses_and_count_afresh(empty_database):
    """cca80397fdd7 replaces a fixed window's start with the times of the latest failures: counts start afresh,
    a pause running stays; the downgrade forgets both."""
    upgrade_database(empty_database.url, "1859d5b32889")
    paused = datetime(2026, 12, 2, 8, 15, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        connection.execute(text("INSERT INTO login_failures (key, failures, window_started_at, paused_until) VALUES "
                                "(:key, :failures, :started, :paused)"),
                           [{"key": "account:10.0.0.1:x", "failures": 5, "started": "2026-12-02 08:00:00+00:00",
                             "paused": "2026-12-02 08:15:00+00:00"},
                            {"key": "address:10.0.0.1", "failures": 7, "started": "2026-12-02 08:00:00+00:00",
                             "paused": None}])
    upgrade_database(empty_database.url, "cca80397fdd7")
    from sqlalchemy.orm import Session

    from core.accounts.throttle import LoginFailures

    with Session(empty_database.engine) as session:
        rows = {row.key: (row.failures, row.recent, row.paused_until) for row in session.query(LoginFailures)}
    assert rows == {"account:10.0.0.1:x": (0, [], paused), "address:10.0.0.1": (0, [], None)}
    downgrade_database(empty_database.url, "1859d5b32889")
    with empty_database.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM login_failures")).scalar() == 0
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_external_certificate_numbers_in_full_width_get_their_nfkc_key(empty_database):
    """4e7a1c9b2d50 rewrites keys stored before numbers were read in NFKC; a row whose new key the holder already
    holds for an active certificate of the kind keeps its own (two records are not merged by a migration)."""
    from sqlalchemy import bindparam

    from core.db import UtcDateTime

    upgrade_database(empty_database.url, "cca80397fdd7")
    at = bindparam("at", type_=UtcDateTime())
    now = {"at": datetime(2026, 12, 3, 8, 0, tzinfo=UTC), "issued": date(2026, 1, 10), "sha": "c" * 64}
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "holder", "candidate", now["at"])
        connection.execute(text("INSERT INTO media (sha256, mime_type, size, original_name, created_at) VALUES "
                                "(:sha, 'application/pdf', 1, 'c.pdf', :at)").bindparams(at), now)
        connection.execute(text(
            "INSERT INTO external_certificates (id, holder_id, kind, issuing_body, certificate_number, number_key, "
            "issued_on, score, purpose, converted_on, level, outcome, conversion_rule, regulation_id, "
            "regulation_citation, conversion_explanation, document_sha256, document_name, status, recorded_by, "
            "recorded_at) VALUES (:id, 1, 'ielts', 'IDP', :number, :key, :issued, '\"6.0\"', 'masters', :issued, 4, "
            "'matched', 'r', 'TT', 'c', 'e', :sha, 'c.pdf', :status, 1, :at)").bindparams(at),
            [{"id": 1, "number": "２２ＶＮ０００１ＡＢ", "key": "２２ＶＮ０００１ＡＢ", "status": "verified", **now},
             {"id": 2, "number": "33VN0002", "key": "33VN0002", "status": "recorded", **now},
             {"id": 3, "number": "３３ｖｎ-０００２", "key": "３３ＶＮ０００２", "status": "recorded", **now},
             {"id": 4, "number": "３３ＶＮ０００２", "key": "３３ＶＮ０００２", "status": "revoked", **now},
             {"id": 5, "number": "44vn 0003", "key": "44VN0003", "status": "verified", **now}])
    upgrade_database(empty_database.url, "4e7a1c9b2d50")
    with empty_database.engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT id, number_key FROM external_certificates")).all())
    assert keys == {1: "22VN0001AB", 2: "33VN0002", 3: "３３ＶＮ０００２", 4: "33VN0002", 5: "44VN0003"}
    downgrade_database(empty_database.url, "cca80397fdd7")
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_linked_accounts_without_a_unit_take_their_records_unit_unless_hr(empty_database):
    """8b2f5d1e3c47: only an HR account without a unit is organisation-wide; any other linked one takes its
    record's unit, so that unit's HR sees its levels. Unlinked accounts and accounts of a unit keep theirs."""
    upgrade_database(empty_database.url, "4e7a1c9b2d50")
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        connection.execute(text("INSERT INTO units (id, code, name, \"group\") VALUES (:id, :code, 'Unit', "
                                "'vgcl_department')"), [{"id": 1, "code": "U1"}, {"id": 2, "code": "U2"}])
        for user_id, name, role in ((1, "learner", "candidate"), (2, "org.hr", "hr"), (3, "of.unit", "candidate"),
                                    (4, "unlinked", "candidate")):
            _insert_user(connection, user_id, name, role, at)
        connection.execute(text("UPDATE users SET unit_id = 1 WHERE id = 3"))
        connection.execute(text("INSERT INTO staff_members (id, full_name, unit_id, category, is_leader, user_id, "
                                "created_at, languages, is_language_teacher, is_external_relations) VALUES (:id, 'P', "
                                "2, 'civil_servant', false, :user_id, :at, '[]', false, false)"),
                           [{"id": user_id, "user_id": user_id, "at": at.isoformat()} for user_id in (1, 2, 3)])
    upgrade_database(empty_database.url, "8b2f5d1e3c47")
    with empty_database.engine.connect() as connection:
        units = dict(connection.execute(text("SELECT username, unit_id FROM users")).all())
    assert units == {"learner": 2, "org.hr": None, "of.unit": 1, "unlinked": None}
    downgrade_database(empty_database.url, "4e7a1c9b2d50")
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_items_imported_with_a_regional_language_tag_get_its_language_code(empty_database):
    """c1d4e8a2f3b6 stores the primary subtag of items' and passages' regional tags, as imports now do."""
    upgrade_database(empty_database.url, "8b2f5d1e3c47")
    at = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", at)
        _insert_items(connection, at, [{"id": item_id, "status": "draft", "skill": "reading", "level": 3}
                                       for item_id in (1, 2, 3, 4)])
        connection.execute(text("UPDATE items SET language = :language WHERE id = :id"),
                           [{"id": 1, "language": "en-US"}, {"id": 2, "language": "EN"}, {"id": 3, "language": "vi"},
                            {"id": 4, "language": "x-tlh"}])
    upgrade_database(empty_database.url, "c1d4e8a2f3b6")
    with empty_database.engine.connect() as connection:
        languages = dict(connection.execute(text("SELECT id, language FROM items")).all())
    assert languages == {1: "en", 2: "en", 3: "vi", 4: "x-tlh"}
    downgrade_database(empty_database.url, "8b2f5d1e3c47")
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_published_adaptive_tests_keep_the_enemies_the_bank_holds_and_lose_them_on_downgrade(empty_database):
    """d3488db0e1f3 freezes the enemy pairs between a published or archived adaptive test's items as the bank holds
    them (what a worker started now builds its engine with); drafts and fixed tests keep reading the bank."""
    from sqlalchemy import bindparam

    from core.db import JsonType, UtcDateTime

    upgrade_database(empty_database.url, "c1d4e8a2f3b6")
    at = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    settings = {"min_items": 2, "max_items": 2, "left_out": []}
    tests = {1: ("adaptive", "published", (1, 2, 3)), 2: ("adaptive", "archived", (1, 2)),
             3: ("adaptive", "draft", (1, 2, 3)), 4: ("fixed", "published", (3, 4))}
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", at)
        _insert_items(connection, at, [{"id": item, "status": "approved", "skill": "grammar", "level": 3}
                                       for item in (1, 2, 3, 4)])
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (:id, :id, 1, '{}', '{}', 1, :at)")
                           .bindparams(bindparam("at", type_=UtcDateTime())), [{"id": item, "at": at}
                                                                               for item in (1, 2, 3, 4)])
        connection.execute(text("INSERT INTO item_enemies (item_id, enemy_id) VALUES (:first, :second)"),
                           [{"first": first, "second": second} for first, second in ((2, 3), (1, 2), (1, 4), (3, 4))])
        connection.execute(text("INSERT INTO tests (id, title, description, kind, purpose, status, cut_scores, "
                                "config, created_by, created_at) VALUES (:id, 'T', '', :kind, 'placement', :status, "
                                "'[]', :config, 1, :at)")
                           .bindparams(bindparam("config", type_=JsonType), bindparam("at", type_=UtcDateTime())),
                           [{"id": test_id, "kind": kind, "status": status, "at": at,
                             "config": settings if kind == "adaptive" else {}}
                            for test_id, (kind, status, _) in tests.items()])
        connection.execute(text("INSERT INTO test_items (test_id, position, item_version_id) VALUES (:test, :position, "
                                ":version)"), [{"test": test_id, "position": position, "version": version}
                                               for test_id, (_, _, pool) in tests.items()
                                               for position, version in enumerate(pool, start=1)])

    def configs():
        with empty_database.engine.connect() as connection:
            return dict(connection.execute(text("SELECT id, config FROM tests").columns(config=JsonType)).all())

    upgrade_database(empty_database.url, "d3488db0e1f3")
    assert configs() == {1: {**settings, "published_enemy_pairs": [[1, 2], [2, 3]]},
                         2: {**settings, "published_enemy_pairs": [[1, 2]]}, 3: settings, 4: {}}
    downgrade_database(empty_database.url, "c1d4e8a2f3b6")
    assert configs() == {1: settings, 2: settings, 3: settings, 4: {}}
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []


def test_stored_tags_course_languages_and_search_text_come_under_the_rules_that_refuse_them_now(empty_database):
    """6f2b9d4a1c83: tags stored apart (NFD) are composed, once per item; course languages written as tags become
    codes (free text stays for its next edit); items' search text parts words at block edges, as an edit now
    computes it, so an item stored before is found as a new one is."""
    import unicodedata

    from sqlalchemy import bindparam

    from core.db import JsonType, UtcDateTime

    upgrade_database(empty_database.url, "d3488db0e1f3")
    at = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    apart = unicodedata.normalize("NFD", "ngữ pháp")
    with empty_database.engine.begin() as connection:
        _insert_user(connection, 1, "author", "author", at)
        _insert_items(connection, at, [{"id": item, "status": "draft", "skill": "grammar", "level": 3}
                                       for item in (1, 2)])
        connection.execute(text("INSERT INTO item_versions (id, item_id, number, content, scoring, created_by, "
                                "created_at) VALUES (:id, :id, 1, :content, '{}', 1, :at)")
                           .bindparams(bindparam("at", type_=UtcDateTime()), bindparam("content", type_=JsonType)),
                           [{"id": 1, "at": at, "content": {"stem": "Line one<br>line two"}},
                            {"id": 2, "at": at, "content": {"stem": "Plain"}}])
        connection.execute(text("UPDATE items SET current_version_id = id, search_text = :old, preview = :shown "
                                "WHERE id = 1"), {"old": "line oneline two", "shown": "Line oneline two"})
        connection.execute(text("UPDATE items SET current_version_id = id, search_text = 'plain', preview = 'Plain' "
                                "WHERE id = 2"))
        connection.execute(text("INSERT INTO item_tags (item_id, tag) VALUES (:item, :tag)"),
                           [{"item": 1, "tag": apart}, {"item": 2, "tag": apart},
                            {"item": 2, "tag": unicodedata.normalize("NFC", "ngữ pháp")}, {"item": 2, "tag": "b1"}])
        connection.execute(text("INSERT INTO courses (id, code, title, kind, language, skill_focus, hours, format, "
                                "provider, capacity, prerequisites, created_at) VALUES (:id, :code, 'C', 'language', "
                                ":language, '[]', 10, 'classroom', '', 20, '[]', :at)")
                           .bindparams(bindparam("at", type_=UtcDateTime())),
                           [{"id": 1, "code": "C1", "language": "EN", "at": at},
                            {"id": 2, "code": "C2", "language": "vi-VN", "at": at},
                            {"id": 3, "code": "C3", "language": "English", "at": at},
                            {"id": 4, "code": "C4", "language": "fr", "at": at}])
    upgrade_database(empty_database.url, "6f2b9d4a1c83")
    with empty_database.engine.connect() as connection:
        tags = sorted(tuple(row) for row in connection.execute(text("SELECT item_id, tag FROM item_tags")).all())
        languages = dict(connection.execute(text("SELECT id, language FROM courses")).all())
        search = {row[0]: (row[1], row[2]) for row in connection.execute(
            text("SELECT id, search_text, preview FROM items")).all()}
    composed = unicodedata.normalize("NFC", "ngữ pháp")
    assert tags == [(1, composed), (2, "b1"), (2, composed)]
    assert languages == {1: "en", 2: "vi", 3: "English", 4: "fr"}
    assert "one line" in search[1][0] and "oneline" not in search[1][0]
    assert search[2] == ("plain", "Plain")
    downgrade_database(empty_database.url, "d3488db0e1f3")
    upgrade_database(empty_database.url)
    assert _schema_diff(empty_database.engine) == []
