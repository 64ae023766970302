"""The levelpath command line against a database of its own, on each backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import create_app
from api.cli import main
from core.accounts import User
from core.accounts.models import ApiToken
from core.accounts import services as accounts
from learning.models import StaffMember, Target, Unit
from learning.staff import keep_account_access_in_step
from question_bank.models import Item, ItemEnemy, ItemStatistics, Stimulus
from question_bank.starter import read_catalogue, starter_bank_files


@pytest.fixture
def run(empty_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret")
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def test_seed_demo_refuses_an_unmigrated_database(run):
    result = run("seed-demo", ok=False)
    assert result.exit_code != 0
    assert "levelpath db upgrade" in result.output


def test_upgrade_to_an_unknown_revision_names_it_and_the_head(run, empty_database):
    from alembic.script import ScriptDirectory

    from api.migrations import alembic_config

    (head,) = ScriptDirectory.from_config(alembic_config(empty_database.url)).get_heads()
    result = run("db", "upgrade", "--revision", "nonsense", ok=False)
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot upgrade to 'nonsense': ")
    assert f"the newest revision (head) is {head}" in result.output


def test_upgrade_says_when_there_was_nothing_to_do(run, empty_database):
    """An upgrade never goes back: one to the revision the database is at, or an older one, changes nothing and
    said "database upgraded to" all the same."""
    from alembic.script import ScriptDirectory

    from api.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config(empty_database.url))
    (head,) = script.get_heads()
    older = script.get_revision(head).down_revision
    assert run("db", "upgrade").output.strip() == f"database upgraded to head ({head})"
    for revision in ("head", older):
        assert run("db", "upgrade", "--revision", revision).output.strip() == \
            f"database already at {head}: nothing to upgrade to {revision}"


def test_users_create_help_lists_every_role_it_accepts():
    from core.accounts import Role

    role_help = CliRunner().invoke(main, ["users", "create", "--help"]).output.split("--role")[1].split("--unit")[0]
    assert set(role_help.replace(",", " ").replace(";", " ").split()) >= {role.value for role in Role}


def test_upgrade_then_seed_demo_loads_the_organisation_and_prints_working_accounts(run, empty_database):
    run("db", "upgrade")
    first = run("seed-demo")
    assert "88 units" in first.output
    second = run("seed-demo")
    assert "0 units, 0 targets, 0 staff, 0 items, 0 tests" in second.output
    assert "2 tests" in first.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(Unit)) == 88
        groups = dict(session.execute(select(Unit.group, func.count()).group_by(Unit.group)).all())
        assert groups == {"provincial_federation": 63, "central_sector_union": 16, "vgcl_direct_unit": 5,
                          "vgcl_department": 4}
        assert session.scalar(select(func.count()).select_from(Target)) == 6
        assert session.scalar(select(func.count()).select_from(StaffMember)) == 88 * 3
        # the starter bank: every catalogued item approved, classified, with provisional parameters
        catalogue = read_catalogue(starter_bank_files()["catalogue.csv"])
        items = {item.identifier: item for item in session.scalars(select(Item))}
        assert set(catalogue) <= set(items) and len(catalogue) >= 150
        for identifier, row in catalogue.items():
            item = items[identifier]
            assert (item.status, item.type, item.skill, item.level) == ("approved", row.type, row.skill, row.level)
        provisional = session.scalars(select(ItemStatistics)).all()
        assert len(provisional) == sum(row.parameters is not None for row in catalogue.values())
        assert all(stats.irt_provisional and stats.calibrated_at is None for stats in provisional)
        assert session.scalar(select(func.count()).select_from(ItemEnemy)) == len(
            {tuple(sorted((i, e))) for i, row in catalogue.items() for e in row.enemies})
        assert session.scalar(select(func.count()).select_from(Stimulus).where(Stimulus.max_plays.is_not(None))) > 0
        printed = [line.split() for line in second.output.splitlines() if line.startswith("  ")]
        assert {row[0] for row in printed} == {"candidate", "author", "reviewer", "rater", "senior_rater",
                                               "test_admin", "hr", "admin"}
        for _role, username, password, *_unit in printed:
            assert accounts.authenticate(session, username=username, password=password) is not None, username
        # the passwords printed by the first run no longer work: every run sets new ones
        first_rows = [line.split() for line in first.output.splitlines() if line.startswith("  ")]
        assert accounts.authenticate(session, username=first_rows[0][1], password=first_rows[0][2]) is None


def test_printed_demo_accounts_log_in_over_http(run, empty_database):
    run("db", "upgrade")
    output = run("seed-demo").output
    username, password = next(line.split()[1:3] for line in output.splitlines() if "demo.candidate" in line)
    app = create_app({"DATABASE_URL": empty_database.url, "SECRET_KEY": "x"})
    client = app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200
    csrf = {"X-CSRF-Token": login.json["csrf_token"]}  # a browser session's changes carry its token
    tests = client.get("/api/v1/tests").json
    assert [(t["title"], t["kind"]) for t in tests] == [("Demo placement check (12 items)", "fixed"),
                                                        (tests[1]["title"], "adaptive")]
    assert tests[0]["item_count"] == 12 and tests[1]["item_count"] is None  # a pool's size is not for candidates
    # the candidate can take the adaptive placement test to its end on the starter bank
    attempt = client.post(f"/api/v1/tests/{tests[1]['id']}/attempts", headers=csrf).json
    position, finished = attempt["items"][0]["position"], False
    for _ in range(40):
        item = client.get(f"/api/v1/attempts/{attempt['id']}").json["items"][0]
        saved = client.put(f"/api/v1/attempts/{attempt['id']}/responses/{position}",
                           json={"answer": _some_answer(item)}, headers=csrf)
        assert saved.status_code == 200, saved.json
        if saved.json["finished"]:
            finished = True
            break
        position = saved.json["next_position"]
    assert finished
    result = client.get(f"/api/v1/attempts/{attempt['id']}/result").json
    assert 1 <= result["level"] <= 6 and 10 <= result["placement"]["items"] <= 25
    app.extensions["levelpath.engine"].dispose()


def test_users_create_and_token(run, empty_database):
    run("db", "upgrade")
    run("seed-demo")
    created = run("users", "create", "--username", "hr.hanoi", "--password", "a-long-hanoi-secret", "--role", "hr",
                  "--unit", "1")
    assert "created user hr.hanoi" in created.output
    token = run("users", "token", "hr.hanoi").output.strip().splitlines()[-1]
    with Session(empty_database.engine) as session:
        user = session.scalar(select(User).where(User.username == "hr.hanoi"))
        assert user.roles == ["hr"]
        assert user.unit_id == session.scalar(select(Unit.id).where(Unit.code == "1"))
        assert accounts.get_user_by_token(session, token).id == user.id


def test_an_administrator_closes_an_account_resets_its_password_and_revokes_its_tokens(run, empty_database):
    """Incident response without the database: a leaked password or token, a person who left."""
    run("db", "upgrade")
    run("users", "create", "--username", "hr.leak", "--password", "a-long-leaky-secret", "--role", "hr")
    app = create_app({"DATABASE_URL": empty_database.url, "SECRET_KEY": "x"})
    browser = app.test_client()
    assert browser.post("/api/v1/auth/login", json={"username": "hr.leak", "password": "a-long-leaky-secret"}
                        ).status_code == 200
    token = run("users", "token", "hr.leak").output.strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}

    def signed_in() -> tuple[int, int]:
        return (browser.get("/api/v1/auth/me").status_code,
                app.test_client().get("/api/v1/auth/me", headers=bearer).status_code)

    assert signed_in() == (200, 200)
    assert "deactivated hr.leak" in run("users", "deactivate", "hr.leak").output
    assert signed_in() == (401, 401)
    run("users", "activate", "hr.leak")
    assert signed_in() == (401, 200)  # the session stays ended; the token was not revoked
    assert "revoked 1 API token(s)" in run("users", "revoke-tokens", "hr.leak").output
    assert signed_in()[1] == 401

    weak = run("users", "set-password", "hr.leak", "--password", "short", ok=False)
    assert weak.exit_code != 0 and "password" in weak.output
    assert browser.post("/api/v1/auth/login", json={"username": "hr.leak", "password": "a-long-leaky-secret"}
                        ).status_code == 200
    run("users", "set-password", "hr.leak", "--password", "a-brand-new-secret-42")
    assert browser.get("/api/v1/auth/me").status_code == 401  # the session begun with the old password ended
    fresh = app.test_client()
    assert fresh.post("/api/v1/auth/login", json={"username": "hr.leak", "password": "a-long-leaky-secret"}
                      ).status_code == 401
    assert fresh.post("/api/v1/auth/login", json={"username": "hr.leak", "password": "a-brand-new-secret-42"}
                      ).status_code == 200
    assert run("users", "deactivate", "nobody.here", ok=False).exit_code != 0
    app.extensions["levelpath.engine"].dispose()


STAFF_OF_U1 = {"S-1": "Lê Thị Hoa", "S-2": "Phan Văn Nam", "S-3": "Đỗ Minh Anh"}


def _units_with_staff(engine, staff: dict[str, str], units: tuple[str, ...] = ("U1",)) -> int:
    """Units U1, U2, ... and staff records of the first; the first unit's id."""
    with Session(engine) as session:
        made = [Unit(code=code, name=f"Unit {code}", group="vgcl_department") for code in units]
        session.add_all(made)
        session.flush()
        session.add_all([StaffMember(staff_number=number, full_name=name, unit_id=made[0].id,
                                     category="civil_servant", languages=[]) for number, name in staff.items()])
        session.commit()
        return made[0].id


def test_users_create_links_the_account_to_a_staff_record(run, empty_database):
    run("db", "upgrade")
    _units_with_staff(empty_database.engine, {"S-1": STAFF_OF_U1["S-1"], "S-2": STAFF_OF_U1["S-2"]})
    created = run("users", "create", "--username", "hoa.le", "--password", "a-long-hoa-secret", "--role",
                  "candidate", "--unit", "U1", "--staff-number", "S-1")
    assert "linked to staff member S-1 (Lê Thị Hoa)" in created.output
    taken = run("users", "create", "--username", "other.hoa", "--password", "a-long-hoa-secret", "--role",
                "candidate", "--staff-number", "S-1", ok=False)
    assert taken.exit_code != 0 and "linked to another account already" in taken.output
    unknown = run("users", "create", "--username", "ghost.user", "--password", "a-long-ghost-secret", "--role",
                  "candidate", "--staff-number", "S-404", ok=False)
    assert unknown.exit_code != 0 and "no staff member with staff number 'S-404'" in unknown.output
    with Session(empty_database.engine) as session:
        hoa = session.scalar(select(User).where(User.username == "hoa.le"))
        assert hoa.full_name == "Lê Thị Hoa"  # taken from the staff record when not given
        linked = dict(session.execute(select(StaffMember.staff_number, StaffMember.user_id)).all())
        assert linked == {"S-1": hoa.id, "S-2": None}
        # a refused link creates no account either
        assert session.scalar(select(func.count()).select_from(User).where(
            User.username.in_(["other.hoa", "ghost.user"]))) == 0


def test_users_create_with_a_staff_number_takes_the_records_unit_and_refuses_another(run, empty_database):
    """An HR account's unit is its scope: left out, it would see every unit; another unit, someone else's."""
    run("db", "upgrade")
    home_id = _units_with_staff(empty_database.engine, STAFF_OF_U1, units=("U1", "U2"))
    defaulted = run("users", "create", "--username", "hr.hoa", "--password", "a-long-hoa-secret", "--role", "hr",
                    "--staff-number", "S-1")
    assert "linked to staff member S-1 (Lê Thị Hoa) of unit U1 (from the staff record)" in defaulted.output
    refused = run("users", "create", "--username", "hr.nam", "--password", "a-long-nam-secret", "--role", "hr",
                  "--unit", "U2", "--staff-number", "S-2", ok=False)
    assert refused.exit_code != 0
    assert "staff member 'S-2' belongs to unit U1 (Unit U1), not the account's unit" in refused.output
    assert "(unit)" in refused.output
    same = run("users", "create", "--username", "hr.anh", "--password", "a-long-anh-secret", "--role", "hr",
               "--unit", str(home_id), "--staff-number", "S-3")  # the same unit, by id
    for reference in ("²", "99999999999"):  # a digit int() refuses; an id past the database's integers
        unknown = run("users", "create", "--username", "hr.x", "--password", "a-long-x-secret", "--role", "hr",
                      "--unit", reference, ok=False)
        assert unknown.exit_code != 0 and f"no unit with id or code {reference!r}" in unknown.output
    assert "of unit U1" in same.output and "from the staff record" not in same.output
    with Session(empty_database.engine) as session:
        units = dict(session.execute(select(User.username, User.unit_id)).all())
        assert units == {"hr.hoa": home_id, "hr.anh": home_id}  # the refused account was not created
        linked = dict(session.execute(select(StaffMember.staff_number, StaffMember.user_id)).all())
        assert linked["S-2"] is None


def test_users_create_organisation_wide_keeps_a_linked_account_out_of_its_records_unit(run, empty_database):
    """The confederation's HR has a staff record in one unit and sees every unit: one command, not two."""
    run("db", "upgrade")
    _units_with_staff(empty_database.engine, {"S-1": STAFF_OF_U1["S-1"]})
    with_unit = run("users", "create", "--username", "hr.unit", "--password", "a-long-hoa-secret", "--role", "hr",
                    "--unit", "U1", "--staff-number", "S-1", "--organisation-wide", ok=False)
    assert with_unit.exit_code != 0 and "--organisation-wide goes with --staff-number and without --unit" \
        in with_unit.output
    unlinked = run("users", "create", "--username", "hr.none", "--password", "a-long-hoa-secret", "--role", "hr",
                   "--organisation-wide", ok=False)
    assert unlinked.exit_code != 0
    created = run("users", "create", "--username", "hr.org", "--password", "a-long-hoa-secret", "--role", "hr",
                  "--staff-number", "S-1", "--organisation-wide")
    assert "linked to staff member S-1 (Lê Thị Hoa) of unit U1 (organisation-wide account)" in created.output
    with Session(empty_database.engine) as session:
        account = session.scalar(select(User).where(User.username == "hr.org"))
        assert account.unit_id is None
        assert session.scalar(select(StaffMember.user_id).where(StaffMember.staff_number == "S-1")) == account.id
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_an_account_created_for_a_leavers_record_ends_with_it_and_activating_does_not_open_it(run, empty_database,
                                                                                              fake_clock):
    """users create --staff-number gives the account the record's last day employed as its access end: made for
    someone who left yesterday, it cannot be used; `users activate` says why it stays closed."""
    from datetime import date

    run("db", "upgrade")
    _units_with_staff(empty_database.engine, {"S-1": STAFF_OF_U1["S-1"], "S-2": STAFF_OF_U1["S-2"]})
    with Session(empty_database.engine) as session:  # the clock stands at 2026-11-23 in Hanoi
        for number, left_on in (("S-1", date(2026, 11, 22)), ("S-2", date(2026, 11, 30))):
            session.scalar(select(StaffMember).where(StaffMember.staff_number == number)).left_on = left_on
        session.commit()
    for username, number in (("hoa.gone", "S-1"), ("nam.leaving", "S-2")):
        run("users", "create", "--username", username, "--password", "a-long-leaver-secret", "--role", "candidate",
            "--staff-number", number)

    def usable() -> dict[str, tuple[object, bool]]:
        with Session(empty_database.engine) as session:
            return {name: (session.scalar(select(User.access_ends_on).where(User.username == name)),
                           accounts.authenticate(session, username=name, password="a-long-leaver-secret") is not None)
                    for name in ("hoa.gone", "nam.leaving")}

    assert usable() == {"hoa.gone": (date(2026, 11, 22), False), "nam.leaving": (date(2026, 11, 30), True)}
    assert "its access ended on 2026-11-22" in run("users", "activate", "hoa.gone").output
    assert "its access ends on 2026-11-30" in run("users", "activate", "nam.leaving").output
    assert usable() == {"hoa.gone": (date(2026, 11, 22), False), "nam.leaving": (date(2026, 11, 30), True)}

    with Session(empty_database.engine) as session:  # HR unlinks both: the leaver's account stays closed
        linked = session.scalars(select(StaffMember).where(StaffMember.user_id.is_not(None))).all()
        accounts_unlinked = [member.user_id for member in linked]
        for member in linked:
            member.user_id = None
        keep_account_access_in_step(session, accounts_unlinked)
        session.commit()
    assert usable() == {"hoa.gone": (date(2026, 11, 22), False), "nam.leaving": (date(2026, 11, 30), True)}
    assert "access had ended on 2026-11-22, the last day employed on a staff record it is no longer linked to: " \
           "that end is lifted" in run("users", "activate", "hoa.gone").output  # an administrator's decision
    assert "its access ends on 2026-11-30" in run("users", "activate", "nam.leaving").output  # still to come
    assert usable() == {"hoa.gone": (None, True), "nam.leaving": (date(2026, 11, 30), True)}


def test_seed_demo_links_the_demo_candidate_to_a_staff_record(run, empty_database):
    run("db", "upgrade")
    run("seed-demo")
    run("seed-demo")
    with Session(empty_database.engine) as session:
        candidate = session.scalar(select(User).where(User.username == "demo.candidate"))
        linked = session.scalars(select(StaffMember).where(StaffMember.user_id == candidate.id)).all()
        assert len(linked) == 1 and linked[0].unit_id == candidate.unit_id


@pytest.mark.parametrize(("args", "message"), [
    (["--username", "x12", "--password", "short", "--role", "hr"], "at least 10 characters"),
    (["--username", "ok.name", "--password", "long-enough-pw", "--role", "wizard"], "unknown role"),
    (["--username", "ok.name", "--password", "long-enough-pw", "--role", "hr", "--unit", "nope"], "no unit"),
    (["--username", "bad name!", "--password", "long-enough-pw", "--role", "hr"], "username"),
    (["--username", "ok.name", "--password", "long-enough-pw", "--role", "hr", "--full-name", "N" * 201],
     "a full name has at most 200 characters (full_name)"),
])
def test_users_create_explains_bad_input(run, args, message):
    run("db", "upgrade")
    result = run("users", "create", *args, ok=False)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_users_token_for_unknown_user_fails_cleanly(run):
    run("db", "upgrade")
    result = run("users", "token", "ghost", ok=False)
    assert result.exit_code != 0
    assert "no user named 'ghost'" in result.output


def test_a_token_name_the_api_would_refuse_is_refused_by_the_cli_too(run, empty_database):
    run("db", "upgrade")
    run("users", "create", "--username", "script.owner", "--password", "long-enough-pw", "--role", "author")
    for name in ("x" * 101, "", "   "):
        result = run("users", "token", "script.owner", "--name", name, ok=False)
        assert result.exit_code != 0 and "a token's name has 1 to 100 characters (name)" in result.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_app_commands_are_also_on_flask_cli(empty_database, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app({"DATABASE_URL": empty_database.url})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["users", "create", "--username", "via.flask", "--password", "long-enough-pw",
                                 "--role", "author"])
    assert result.exit_code == 0, result.output
    assert "created user via.flask" in result.output
    app.extensions["levelpath.engine"].dispose()


def _some_answer(item: dict) -> dict:
    """A well-formed (not necessarily right) answer to any automatically scored item."""
    content = item["content"]
    if item["type"] in ("single_choice", "true_false_not_given"):
        return {"choice": content["options"][0]["id"]}
    if item["type"] == "multiple_response":
        return {"choices": [content["options"][0]["id"]]}
    if item["type"] == "ordering":
        return {"order": [option["id"] for option in content["options"]]}
    if item["type"] == "matching":
        return {"pairs": [[content["sources"][0]["id"], content["targets"][0]["id"]]]}
    if item["type"] == "gap_fill":
        return {"gaps": {gap["id"]: "x" for gap in content["gaps"]}}
    if item["type"] == "inline_choice":
        return {"gaps": {gap["id"]: gap["options"][0]["id"] for gap in content["gaps"]}}
    return {"text": "answer"}


def test_attempts_sweep_reports_what_it_closed(run):
    run("db", "upgrade")
    assert "closed 0 attempts whose time ran out" in run("attempts", "sweep").output


def test_rating_sweep_reports_what_it_moved(run):
    run("db", "upgrade")
    assert "withdrew 0 overdue assignments, assigned 0 rounds" in run("rating", "sweep").output


def test_rating_sweep_lists_overdue_work_nobody_else_can_take(run, monkeypatch):
    from assessment.rating import sweep as rating_sweep

    run("db", "upgrade")
    monkeypatch.setattr(rating_sweep, "sweep", lambda _session: rating_sweep.SweepReport(1, 1, (17, 18)))
    output = run("rating", "sweep").output
    assert "withdrew 1 overdue assignment, assigned 1 round" in output
    assert "still overdue, no other eligible rater free (left with their raters): assignments 17, 18" in output


def test_bank_calibrate_says_when_there_is_nothing_to_estimate(run):
    run("db", "upgrade")
    result = run("bank", "calibrate", ok=False)
    assert result.exit_code != 0 and "no item has enough right/wrong answers" in result.output


def test_served_workers_keep_the_app_out_of_the_garbage_collectors_sight(empty_database, monkeypatch, tmp_path):
    """bench/load: a full collection over the app's start-up objects paused requests for ~70 ms."""
    import gc

    from api.cli.server import _LevelPathServer

    monkeypatch.setenv("DATABASE_URL", empty_database.url)
    monkeypatch.setenv("LEVELPATH_MEDIA_ROOT", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x")
    gc.unfreeze()
    try:
        app = _LevelPathServer({"bind": "127.0.0.1:0", "workers": 1}).load()
        assert app.name == "api.app"
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()


def test_only_an_hr_account_is_organisation_wide(run, empty_database):
    run("db", "upgrade")
    _units_with_staff(empty_database.engine, {"S-1": STAFF_OF_U1["S-1"]})
    refused = run("users", "create", "--username", "lan.learner", "--password", "a-long-hoa-secret", "--role",
                  "candidate", "--staff-number", "S-1", "--organisation-wide", ok=False)
    assert refused.exit_code != 0 and "only an HR account is organisation-wide" in refused.output
    with Session(empty_database.engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
