"""Browser sessions, API tokens, and what an unauthenticated caller gets."""

from __future__ import annotations

from sqlalchemy import select

from core.accounts import ApiToken
from core.accounts.security import hash_token
from tests.factories import TEST_PASSWORD, statements_run


def test_password_login_starts_a_session_and_logout_ends_it(client, factory):
    user = factory.user("reviewer")
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert login.status_code == 200
    assert login.json["roles"] == ["reviewer"]
    assert "password" not in login.text
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = client.get("/api/v1/auth/me").json
    assert me["username"] == user.username and me["csrf_token"] == login.json["csrf_token"]
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login.json["csrf_token"]}).status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_copy_of_the_session_cookie_stops_working_at_logout(client, factory):
    """The session cookie is signed, not stored: before logout ended the account's sessions on the server, a
    copy of the cookie (a shared computer at the centre, a proxy log) stayed signed in for a month."""
    user = factory.user("candidate")
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    copy = client.application.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    other_browser = client.application.test_client()
    other_browser.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert copy.get("/api/v1/auth/me").status_code == 200
    assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login.json["csrf_token"]}).status_code == 204
    assert copy.get("/api/v1/auth/me").status_code == 401
    assert other_browser.get("/api/v1/auth/me").status_code == 401  # logging out ends every browser session
    again = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert again.status_code == 200 and client.get("/api/v1/auth/me").json["id"] == user.id


def test_a_browser_session_ends_twelve_hours_after_its_login_however_it_is_used(client, factory, fake_clock):
    """Flask accepted a signed session cookie for 31 days: at the centre's shared computers a session (or a copy
    of its cookie) left signed in stayed usable for a month. It now lasts LEVELPATH_SESSION_HOURS (default 12)
    from the login, not from its last use, and is not signed anew on every response to keep it alive."""
    user = factory.user("candidate")
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert login.status_code == 200
    copy = client.application.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    fake_clock.advance(hours=6)
    used = client.get("/api/v1/auth/me")
    assert used.status_code == 200 and "Set-Cookie" not in used.headers  # no per-request re-signing
    fake_clock.advance(hours=5, minutes=59)  # 11h59 after the login
    assert client.get("/api/v1/auth/me").status_code == 200
    assert copy.get("/api/v1/auth/me").status_code == 200
    fake_clock.advance(minutes=2)  # 12h01
    for browser in (client, copy):
        expired = browser.get("/api/v1/auth/me")
        assert expired.status_code == 401 and expired.content_type == "application/problem+json"
    assert client.post("/api/v1/auth/tokens", json={"name": "late"},
                       headers={"X-CSRF-Token": login.json["csrf_token"]}).status_code == 401
    again = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert again.status_code == 200 and client.get("/api/v1/auth/me").json["id"] == user.id


def test_a_remember_me_cookie_alone_signs_nobody_in(client, factory, fake_clock):
    """LevelPath issues no flask-login remember-me cookie; one made with the secret key would carry no login time,
    so it must not outlive the session lifetime (flask-login's own lasts a year): it signs nobody in at all."""
    from flask_login.utils import encode_cookie

    user = factory.user("candidate")
    client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    with client.application.test_request_context():
        remember = encode_cookie(f"{user.id}:{user.session_generation or 0}")  # what LoginUser.get_id() keeps
    fresh = client.application.test_client()
    fresh.set_cookie("remember_token", remember)
    assert fresh.get("/api/v1/auth/me").status_code == 401
    fake_clock.advance(hours=12, minutes=1)
    client.set_cookie("remember_token", remember)  # with the expired session's cookie too
    assert client.get("/api/v1/auth/me").status_code == 401


def test_an_api_token_calling_logout_leaves_browser_sessions_alone(client, factory, api_as):
    user = factory.user("author")
    client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert api_as(user).post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 200


def test_a_new_password_ends_the_sessions_begun_with_the_old_one(client, factory, db_session):
    from core.accounts import services as accounts

    user = factory.user("hr")
    client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert client.get("/api/v1/auth/me").status_code == 200
    accounts.set_password(db_session, user=user, password="Another-Secret-Phrase-91")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_nothing_of_a_session_begun_before_login_carries_into_it(client, factory):
    with client.session_transaction() as planted:
        planted["csrf_token"] = "chosen-by-someone-else"
        planted["planted"] = "x"
    user = factory.user("author")
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert login.json["csrf_token"] != "chosen-by-someone-else"
    with client.session_transaction() as signed_in:
        assert "planted" not in signed_in


def test_changes_made_with_a_browser_session_need_its_csrf_token(client, factory, api_as):
    user = factory.user("author")
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    token = login.json["csrf_token"]
    assert len(token) >= 32
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": ""}):
        refused = client.post("/api/v1/auth/tokens", json={"name": "from another site"}, headers=headers)
        assert refused.status_code == 403 and refused.json["errors"][0]["field"] == "X-CSRF-Token"
    assert client.post("/api/v1/auth/logout").status_code == 403  # logging someone out is a change too
    assert client.get("/api/v1/auth/me").status_code == 200  # reading needs no token
    assert client.post("/api/v1/auth/tokens", json={"name": "mine"}, headers={"X-CSRF-Token": token}).status_code \
        == 201
    # A new login gives a new token; the old one no longer works.
    again = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert again.json["csrf_token"] != token
    assert client.post("/api/v1/auth/tokens", json={"name": "old"}, headers={"X-CSRF-Token": token}).status_code \
        == 403
    # An API token is not sent by browsers on their own: no CSRF token needed, and none shown.
    bearer = api_as("author")
    assert bearer.post("/api/v1/auth/tokens", json={"name": "script"}).status_code == 201
    assert bearer.get("/api/v1/auth/me").json["csrf_token"] is None


def test_a_request_naming_a_token_is_the_tokens_whatever_session_cookie_comes_along(client, factory, api_as):
    """The Authorization header took the CSRF check away while the session cookie signed the request in: a
    bogus token let a cookie-borne change through, and a valid token of another account was ignored."""
    user = factory.user("candidate")
    client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    for bogus in ("Bearer nope", "bearer x"):
        refused = client.post("/api/v1/auth/tokens", json={"name": "sneaked"}, headers={"Authorization": bogus})
        assert refused.status_code == 401, refused.json
        assert client.get("/api/v1/auth/me", headers={"Authorization": bogus}).status_code == 401
    assert [token["name"] for token in client.get("/api/v1/auth/tokens").json] == []
    admin = api_as("admin")
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {admin.token}"})
    assert me.status_code == 200 and me.json["id"] == admin.user.id
    minted = client.post("/api/v1/auth/tokens", json={"name": "by the token"},
                         headers={"Authorization": f"Bearer {admin.token}"})
    assert minted.status_code == 201
    assert "by the token" in [token["name"] for token in admin.get("/api/v1/auth/tokens").json]
    assert client.get("/api/v1/auth/me").json["id"] == user.id  # the cookie alone is still the session's


def test_wrong_password_and_unknown_user_get_the_same_401(client, factory):
    user = factory.user("author")
    wrong = client.post("/api/v1/auth/login", json={"username": user.username, "password": "not-the-password"})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "whatever-it-is"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.json["detail"] == "unknown username or wrong password"


def test_inactive_user_cannot_log_in_or_use_a_token(client, api_as, factory, db_session):
    user = factory.user("author")
    caller = api_as(user)
    user.is_active = False
    db_session.flush()
    assert client.post("/api/v1/auth/login", json={"username": user.username,
                                                   "password": TEST_PASSWORD}).status_code == 401
    assert caller.get("/api/v1/auth/me").status_code == 401


def test_a_signed_in_request_costs_one_query_and_a_deactivated_session_ends(client, api_as, factory, db_session,
                                                                           database):
    """Every signed-in request finds its caller first: one query, whether by session cookie or API token,
    and always against the account as it is now."""
    user = factory.user("author")
    caller = api_as(user)
    assert caller.get("/api/v1/tests").status_code == 200  # a token's first use records it
    with statements_run(database.engine) as by_token:
        assert caller.get("/api/v1/tests").status_code == 200
    assert "FROM api_tokens JOIN users" in by_token[0], by_token
    assert not any("FROM users" in statement for statement in by_token[1:]), by_token
    assert client.post("/api/v1/auth/login", json={"username": user.username,
                                                   "password": TEST_PASSWORD}).status_code == 200
    with statements_run(database.engine) as by_cookie:
        assert client.get("/api/v1/tests").status_code == 200
    assert by_cookie[0].startswith("SELECT users.roles, users.unit_id, users.username FROM users"), by_cookie
    assert not any("users" in statement for statement in by_cookie[1:]), by_cookie
    user.is_active = False
    db_session.flush()
    assert client.get("/api/v1/tests").status_code == 401
    assert caller.get("/api/v1/auth/me").status_code == 401


def test_an_account_whose_access_ended_is_refused_at_every_way_in_from_the_next_day(client, api_as, factory,
                                                                                    db_session, fake_clock):
    """access_ends_on (a leaver's last day employed) is the last day the account works, by the centre's day: its
    login then fails exactly like a wrong password (nothing tells a guesser the name exists), and the browser
    session and API token it already holds stop working; with no end, or a later one, it all works again."""
    from core import clock

    user = factory.user("candidate")
    caller = api_as(user)
    assert client.post("/api/v1/auth/login", json={"username": user.username,
                                                   "password": TEST_PASSWORD}).status_code == 200
    today = clock.day_in_vietnam()  # 23 November in Hanoi, 16:00 there
    user.access_ends_on = today
    db_session.flush()
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json["access_ends_on"] == today.isoformat()
    assert caller.get("/api/v1/auth/me").status_code == 200
    fresh = client.application.test_client()
    assert fresh.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD}
                      ).status_code == 200

    fake_clock.advance(hours=8)  # 17:00 UTC: the 24th in Hanoi, the day after the last one (the sessions are 8h old)
    assert clock.day_in_vietnam() > today
    for browser in (client, fresh):
        ended = browser.get("/api/v1/auth/me")
        assert ended.status_code == 401 and ended.content_type == "application/problem+json"
    assert caller.get("/api/v1/auth/me").status_code == 401
    assert caller.post("/api/v1/auth/tokens", json={"name": "more"}).status_code == 401
    leaver = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    wrong = client.post("/api/v1/auth/login", json={"username": user.username, "password": "not-the-password"})
    assert leaver.status_code == wrong.status_code == 401
    assert leaver.json == wrong.json and leaver.headers.get("Set-Cookie") is None

    user.access_ends_on = None  # reinstated
    db_session.flush()
    assert client.post("/api/v1/auth/login", json={"username": user.username,
                                                   "password": TEST_PASSWORD}).status_code == 200
    assert client.get("/api/v1/auth/me").json["access_ends_on"] is None
    assert caller.get("/api/v1/auth/me").status_code == 200


def test_the_access_end_is_checked_within_the_one_query_of_a_signed_in_request(client, api_as, factory, db_session,
                                                                               database, fake_clock):
    """The day is a parameter of the statement that finds the caller: no query is added per request."""
    from core import clock

    user = factory.user("author")
    caller = api_as(user)
    assert caller.get("/api/v1/tests").status_code == 200
    assert client.post("/api/v1/auth/login", json={"username": user.username,
                                                   "password": TEST_PASSWORD}).status_code == 200
    user.access_ends_on = clock.day_in_vietnam()
    db_session.flush()
    for who in (client, caller):
        with statements_run(database.engine) as run:
            assert who.get("/api/v1/tests").status_code == 200
        accounts_read = [statement for statement in run if "users" in statement]
        assert len(accounts_read) == 1 and "access_ends_on >=" in accounts_read[0], run
    fake_clock.advance(hours=8)  # the next day in Hanoi, the browser session 8 hours old
    for who in (client, caller):
        with statements_run(database.engine) as run:
            assert who.get("/api/v1/tests").status_code == 401
        assert len(run) == 1, run


def test_a_bearer_token_is_used_even_when_a_remember_me_cookie_comes_along(client, api_as, factory):
    """flask-login read any remember_token cookie in place of the request's Authorization header: a stray one
    (another app on the same host, an old browser profile) made every Bearer request from that client a 401."""
    from flask_login.utils import encode_cookie

    caller = api_as("hr")
    other = factory.user("candidate")
    with client.application.test_request_context():
        signed = encode_cookie(f"{other.id}:{other.session_generation or 0}")
    for stray in ("leftover-from-another-app", signed):
        client.set_cookie("remember_token", stray)
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {caller.token}"})
        assert me.status_code == 200 and me.json["id"] == caller.user.id, stray
        assert "Set-Cookie" not in me.headers  # nothing of the cookie went into a session
        assert client.get("/api/v1/auth/me").status_code == 401  # and alone it signs nobody in


def test_token_is_shown_once_and_stored_only_hashed(client, factory, db_session):
    user = factory.user("hr")
    login = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    created = client.post("/api/v1/auth/tokens", json={"name": "nightly export"},
                          headers={"X-CSRF-Token": login.json["csrf_token"]})
    assert created.status_code == 201
    secret = created.json["token"]
    stored = db_session.scalar(select(ApiToken).where(ApiToken.id == created.json["id"]))
    assert stored.token_hash != secret and secret not in stored.token_hash and len(stored.token_hash) == 64
    fresh = client.application.test_client()
    me = fresh.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json["id"] == user.id


def test_revoked_or_forged_tokens_are_refused(api_as, client, db_session):
    caller = api_as("author")
    stored = db_session.scalar(select(ApiToken).where(ApiToken.user_id == caller.user.id))
    assert caller.get("/api/v1/auth/me").status_code == 200
    from core import clock

    stored.revoked_at = clock.now()
    db_session.flush()
    assert caller.get("/api/v1/auth/me").status_code == 401
    forged = client.get("/api/v1/auth/me", headers={"Authorization": "Bearer lp_forged-token-value"})
    assert forged.status_code == 401


def test_a_leaked_token_is_revoked_by_its_owner_and_no_one_else(api_as, client, db_session):
    """Tokens never expire and could not be revoked over HTTP (nor by the command line): a leaked one stayed
    good until the whole account was deactivated."""
    owner, other = api_as("hr"), api_as("admin")
    leaked = api_as(owner.user)
    listed = owner.get("/api/v1/auth/tokens")
    assert listed.status_code == 200 and len(listed.json) == 2
    assert all(set(token) == {"id", "name", "prefix", "created_at", "last_used_at", "revoked_at"}
               for token in listed.json)
    assert leaked.token not in listed.text and owner.token not in listed.text
    leaked_id = db_session.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(leaked.token)))
    assert other.delete(f"/api/v1/auth/tokens/{leaked_id}").status_code == 404  # not theirs, even for an admin
    assert leaked.get("/api/v1/auth/me").status_code == 200
    assert owner.delete(f"/api/v1/auth/tokens/{leaked_id}").status_code == 204
    assert leaked.get("/api/v1/auth/me").status_code == 401
    assert owner.get("/api/v1/auth/me").status_code == 200
    revoked = {t["id"]: t["revoked_at"] for t in owner.get("/api/v1/auth/tokens").json}
    assert revoked[leaked_id] is not None and len([at for at in revoked.values() if at is None]) == 1
    assert owner.delete(f"/api/v1/auth/tokens/{leaked_id}").status_code == 204  # again: nothing changes
    login = client.post("/api/v1/auth/login", json={"username": owner.user.username, "password": TEST_PASSWORD})
    own = owner.get("/api/v1/auth/tokens").json[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{own}").status_code == 403  # a browser session needs its CSRF token
    assert client.delete(f"/api/v1/auth/tokens/{own}",
                         headers={"X-CSRF-Token": login.json["csrf_token"]}).status_code == 204


def test_unauthenticated_api_calls_get_a_401_problem_not_a_redirect(client):
    for method, url in (("GET", "/api/v1/items"), ("POST", "/api/v1/items"), ("GET", "/api/v1/tests"),
                        ("GET", "/api/v1/hr/levels?unit_id=1"), ("POST", "/api/v1/attempts/1/submit")):
        response = client.open(url, method=method, json={"not": "parsed"})
        assert response.status_code == 401, url
        assert response.content_type == "application/problem+json"
        assert response.json["status"] == 401
        assert "Location" not in response.headers
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_repeated_failed_logins_pause_logins_from_that_address(client, factory, fake_clock):
    user = factory.user("author")
    wrong = {"username": user.username, "password": "not-the-password"}
    right = {"username": user.username, "password": TEST_PASSWORD}
    for _ in range(5):
        assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    paused = client.post("/api/v1/auth/login", json=right)  # even the right password waits
    assert paused.status_code == 429 and paused.headers["Retry-After"] == "900"
    assert paused.content_type == "application/problem+json" and "try again in 900 seconds" in paused.json["detail"]
    elsewhere = client.post("/api/v1/auth/login", json=right, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert elsewhere.status_code == 200  # nobody can lock a person out from another address
    for _ in range(5):  # unknown usernames are paused alike: the pause says nothing about who exists
        client.post("/api/v1/auth/login", json={"username": "nobody-here", "password": "whatever-it-is"})
    assert client.post("/api/v1/auth/login", json={"username": "nobody-here",
                                                   "password": "whatever-it-is"}).status_code == 429
    fake_clock.advance(minutes=15)
    assert client.post("/api/v1/auth/login", json=right).status_code == 200
    for _ in range(4):  # a success cleared the count: four more failures do not pause
        client.post("/api/v1/auth/login", json=wrong)
    assert client.post("/api/v1/auth/login", json=right).status_code == 200


def test_five_failures_within_any_fifteen_minutes_pause_wherever_the_window_starts(client, factory, fake_clock):
    """Failures were counted in windows from a window's first failure: one early, then three and four on either
    side of its end, made 8 failures in 9 seconds and no pause."""
    user = factory.user("author")
    wrong = {"username": user.username, "password": "not-the-password"}
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    fake_clock.advance(minutes=14, seconds=56)
    for _ in range(3):
        assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
        fake_clock.advance(seconds=1)
    fake_clock.advance(seconds=2)  # past the first failure's window
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401  # four within 15 minutes
    fake_clock.advance(seconds=1)
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401  # the fifth: paused from now
    paused = client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD})
    assert paused.status_code == 429 and paused.headers["Retry-After"] == "900"
    fake_clock.advance(minutes=15)
    for _ in range(4):  # four in a quarter of an hour, then the oldest out of it: never five within one
        assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
        fake_clock.advance(minutes=4)
    assert client.post("/api/v1/auth/login", json=wrong).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": user.username, "password": TEST_PASSWORD}
                       ).status_code == 200


def test_behind_https_cookies_are_secure_and_hsts_is_sent(app, database, factory, tmp_path):
    from api import create_app
    from api.db import SESSIONMAKER_KEY

    secure = create_app({"DATABASE_URL": database.url, "SECRET_KEY": "x", "MEDIA_ROOT": str(tmp_path),
                         "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True})
    secure.extensions[SESSIONMAKER_KEY] = app.extensions[SESSIONMAKER_KEY]  # this test's transaction
    user = factory.user("reviewer")
    login = secure.test_client().post("/api/v1/auth/login", base_url="https://lp.example",
                                      json={"username": user.username, "password": TEST_PASSWORD})
    assert login.status_code == 200
    cookie = login.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    secure.extensions["levelpath.engine"].dispose()


def test_behind_a_trusted_proxy_logins_pause_per_client_and_not_for_everyone(app, database, factory, tmp_path,
                                                                             client):
    """Behind a reverse proxy every request came from its address: five failures by one client paused everyone's
    logins. With LEVELPATH_TRUSTED_PROXIES the address is the one the proxy reports; without it, a client's own
    X-Forwarded-For is not believed (it would choose its own address to dodge the pause)."""
    from api import create_app
    from api.db import SESSIONMAKER_KEY

    behind = create_app({"DATABASE_URL": database.url, "SECRET_KEY": "x", "MEDIA_ROOT": str(tmp_path),
                         "TRUSTED_PROXIES": 1})
    behind.extensions[SESSIONMAKER_KEY] = app.extensions[SESSIONMAKER_KEY]  # this test's transaction
    user = factory.user("reviewer")
    wrong = {"username": user.username, "password": "not-the-password"}
    right = {"username": user.username, "password": TEST_PASSWORD}
    proxied = behind.test_client()
    for _ in range(5):
        proxied.post("/api/v1/auth/login", json=wrong, headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.post("/api/v1/auth/login", json=right, headers={"X-Forwarded-For": "203.0.113.7"}
                        ).status_code == 429
    assert proxied.post("/api/v1/auth/login", json=right, headers={"X-Forwarded-For": "203.0.113.8"}
                        ).status_code == 200  # another client behind the same proxy
    behind.extensions["levelpath.engine"].dispose()
    # Not behind a proxy: the header is the client's own word, and the connection's address counts.
    for _ in range(5):
        client.post("/api/v1/auth/login", json=wrong, headers={"X-Forwarded-For": "198.51.100.1"})
    assert client.post("/api/v1/auth/login", json=right, headers={"X-Forwarded-For": "198.51.100.2"}
                       ).status_code == 429
