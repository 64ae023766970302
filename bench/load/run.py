#!/usr/bin/env python3
"""Load on the production setup: gunicorn workers on PostgreSQL, driven by locust from other processes.

Four locust runs against one server, in one go:
1. ceiling: users calling a bare JSON endpoint (`/api/v1/ping`) as fast as they can;
2. signed in, a reference: users reading their own account (`/api/v1/auth/me`) as fast as they can: what
   a signed-in request reaches before it does any work of its own (identity, one row, no write);
3. capacity: candidates answering with no pause (log in, start an adaptive placement attempt, answer
   until it stops, read the result, start again): requests per second against the ceiling;
4. latency: --users candidates (300 by default) thinking 2-6 s between answers, as in a placement
   campaign: p50/p95/p99 of answer submission once every candidate has logged in and started.

Between 3 and 4, one client alone (no load tool) calls the bare endpoint, then takes attempts, one request
after the other, for --uncontended-seconds each: the server's and PostgreSQL's CPU per request with nothing
else on the cores, the costs the ratio is made of before they share two cores.

Each run's figures are counted over --seconds once every one of its users is at work (logged in, attempt
started: see locustfile.py); the arrival before that is not counted. Over the same part of the ceiling and
capacity runs, the CPU used by the server's processes, PostgreSQL's and locust's is read from /proc and
printed per request: all three share the machine's cores, so the ratio is what those costs make it.

    pip install -e ".[bench]"
    python bench/load/run.py [--users 300] [--seconds 60] [--spawn-rate 10] [--workers 4]

Goals (issue 8): answer p99 < 100 ms with 300 candidates; capacity >= 40% of the ceiling's throughput.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_support import DEFAULT_URL, bench_schema, running_server  # noqa: E402
from core.db import make_engine  # noqa: E402

PASSWORD = "load-test-horse-42"  # noqa: S105 - accounts of a throwaway bench schema
ARRIVAL_SLACK = 20  # seconds allowed, past the spawn, for the last logins to be served


def seed(url: str, candidates: int) -> int:
    """A calibrated bank, a published adaptive test, and the candidates' accounts; returns the test id."""
    from sqlalchemy.orm import Session

    from api.migrations import upgrade_database
    from assessment import services as assessment
    from assessment.adaptive import AdaptiveSettings
    from core.accounts import Role, User
    from core.accounts import services as accounts
    from core.accounts.security import hash_password
    from question_bank import services as bank
    from question_bank import review
    from question_bank.statistics import IrtParameters, set_irt_parameters

    upgrade_database(url)
    engine = make_engine(url)
    with Session(engine) as session:
        author, reviewer, admin = (accounts.create_user(session, username=f"{role.value}.load", password=PASSWORD,
                                                        roles=[role])
                                   for role in (Role.AUTHOR, Role.REVIEWER, Role.TEST_ADMIN))
        for index in range(200):
            draft = bank.ItemDraft(type="single_choice", skill=("grammar", "vocabulary")[index % 2], level=3,
                                   content={"stem": f"Choose the right form ({index}): the meeting ___ at nine.",
                                            "options": [{"id": "A", "text": "start"}, {"id": "B", "text": "starts"},
                                                        {"id": "C", "text": "starting"}]},
                                   scoring={"correct": "B"})
            item = bank.create_item(session, author=author.as_actor(), draft=draft)
            review.submit_item(session, actor=author.as_actor(), item_id=item.id)
            review.approve_item(session, actor=reviewer.as_actor(), item_id=item.id)
            set_irt_parameters(session, item_version_id=item.current_version_id, calibrated_at=None,
                               parameters=IrtParameters(model="2pl", a=1.0 + (index % 7) / 7,
                                                        b=-2.5 + 5.0 * (index % 50) / 49))
        test = assessment.create_test(session, actor=admin.as_actor(), draft=assessment.TestDraft(
            title="Load placement", purpose="placement", kind="adaptive",
            adaptive=AdaptiveSettings(min_items=10, max_items=20, selector="randomesque:3",
                                      skills=("grammar", "vocabulary"))))
        assessment.publish_test(session, actor=admin.as_actor(), test_id=test.id)
        password_hash = hash_password(PASSWORD)  # once: Argon2 is deliberately slow
        session.add_all(User(username=f"candidate{n}.load", full_name=f"Candidate {n}", password_hash=password_hash,
                             roles=[Role.CANDIDATE.value]) for n in range(candidates))
        session.commit()
        test_id = test.id
    engine.dispose()
    return test_id


# Where the machine's CPU goes during a run: the server's processes, the database's, the load generator's.
PROCESS_GROUPS = {
    "server": lambda command, port: f"serve --port {port}" in command,
    "postgres": lambda command, port: command.startswith("postgres"),
    "locust": lambda command, port: "-m locust" in command and "--headless" in command,
}


def cpu_seconds(port: int) -> dict[str, float] | None:
    """CPU time (user + system) used so far by each of PROCESS_GROUPS' live processes; None without /proc."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(PROCESS_GROUPS, 0.0)
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        for group, belongs in PROCESS_GROUPS.items():
            if belongs(command, port):
                used[group] += (int(fields[11]) + int(fields[12])) / ticks
    return used


def locust(port: int, user_class: str, users: int, seconds: int, folder: Path, env: dict[str, str],
           processes: int, spawn_rate: int) -> tuple[dict[str, dict[str, float]], dict[str, float] | None]:
    """Run locust headless; the stats per request name over ``seconds`` once every user is at work, and
    the cores each process group used meanwhile (None where /proc cannot tell).

    The users log in while they arrive (Argon2 is slow on purpose, ARRIVAL_SLACK covers the queue of
    logins); the locustfile resets the statistics when the last one has started its attempt, and the CPU
    is read over the same steady part of the run.
    """
    prefix = folder / user_class.lower()
    arrival = users // spawn_rate + ARRIVAL_SLACK
    total = seconds + arrival
    command = [sys.executable, "-m", "locust", "-f", str(Path(__file__).parent / "locustfile.py"), user_class,
               "--headless", "-u", str(users), "-r", str(spawn_rate), "-t", f"{total}s", "--reset-stats",
               "-H", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary", "--stop-timeout", "10"]
    if processes > 1:
        command += ["--processes", str(processes)]
    run = subprocess.Popen(command, env={**os.environ, "LOAD_USERS": str(users), **env},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(arrival)
    start, started = cpu_seconds(port), time.monotonic()
    time.sleep(max(seconds - 5, 1))
    end, ended = cpu_seconds(port), time.monotonic()
    run.wait(timeout=total + 180)
    cores = None if start is None or end is None else {
        group: (end[group] - start[group]) / (ended - started) for group in PROCESS_GROUPS}
    stats = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Request Count"] in ("", "0"):
                continue  # e.g. logins, all served before the statistics started
            stats[row["Name"]] = {"count": float(row["Request Count"]), "failures": float(row["Failure Count"]),
                                  "rps": float(row["Requests/s"]), "p50": float(row["50%"]),
                                  "p95": float(row["95%"]), "p99": float(row["99%"])}
    return stats, cores


class _OneClient:
    """A single client with no think time, one request after the other: what a request costs the server and
    PostgreSQL when nothing else competes for the cores (http.client, so that no load tool shares them either)."""

    def __init__(self, port: int) -> None:
        self.port, self.cookie, self.headers = port, "", {}

    def call(self, method: str, path: str, body: dict | None = None, **headers: str) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {**self.headers, **headers, **({"Cookie": self.cookie} if self.cookie else {})}
        if body is not None:
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=sent)
        response = connection.getresponse()
        data = response.read()
        if response.status >= 400:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        if response.getheader("Set-Cookie"):
            self.cookie = response.getheader("Set-Cookie").split(";", 1)[0]
        return json.loads(data) if data else {}


def uncontended(port: int, test_id: int, account: dict[str, str], seconds: float) -> dict[str, dict[str, float]]:
    """CPU per request of the bare endpoint and of a candidate's requests (start, answers, result) from one
    client: the costs the ratio is made of, before sharing two cores with other workers and the load tool."""
    client = _OneClient(port)
    client.headers["X-CSRF-Token"] = client.call("POST", "/api/v1/auth/login", account)["csrf_token"]

    def candidate() -> int:
        started = client.call("POST", f"/api/v1/tests/{test_id}/attempts")
        attempt_id, position, requests = started["id"], started["items"][0]["position"], 1
        while True:
            saved = client.call("PUT", f"/api/v1/attempts/{attempt_id}/responses/{position}",
                                {"answer": {"choice": "B" if position % 3 else "A"}},
                                **{"Idempotency-Key": uuid.uuid4().hex})
            requests += 1
            if saved["finished"]:
                client.call("GET", f"/api/v1/attempts/{attempt_id}/result")
                return requests + 1
            position = saved["next_item"]["position"]

    costs = {}
    for name, one_round in (("ping", lambda: client.call("GET", "/api/v1/ping") and 1), ("candidate", candidate)):
        one_round()  # warm: the test's pool is read once per worker
        requests, began, before = 0, time.monotonic(), cpu_seconds(port)
        while time.monotonic() - began < seconds:
            requests += one_round()
        after = cpu_seconds(port)
        if before is None or after is None:
            return {}
        costs[name] = {group: (after[group] - before[group]) / requests * 1000 for group in ("server", "postgres")}
    return costs


def cpu_line(cores: dict[str, float] | None, rps: float) -> str:
    """The cores each group used and its CPU per request: what the ratio between two runs is made of."""
    if cores is None:
        return "CPU shares not measured (no /proc)"
    return ", ".join(f"{group} {used:.2f} cores = {used / rps * 1000:.2f} ms/request" for group, used in cores.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--users", type=int, default=300, help="concurrent candidates of the latency run")
    parser.add_argument("--capacity-users", type=int, default=50, help="candidates of the capacity run (no pause)")
    parser.add_argument("--seconds", type=int, default=60, help="length of each run once all its users are at work")
    parser.add_argument("--spawn-rate", type=int, default=10, help="candidates starting (logging in) per second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--locust-processes", type=int, default=1)
    parser.add_argument("--uncontended-seconds", type=float, default=15,
                        help="length of each one-client measurement of what a request costs with nothing else running")
    args = parser.parse_args(argv)

    with bench_schema(args.database_url, "lp_load") as url:
        candidates = args.users + args.capacity_users + 1  # the last one: the uncontended run
        started = time.perf_counter()
        test_id = seed(url, candidates)
        print(f"seeded 200 calibrated items, an adaptive test and {candidates} candidates in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        with tempfile.TemporaryDirectory(prefix="lp-load-") as tmp, \
                running_server(url, args.workers, str(Path(tmp) / "media")) as port:
            folder = Path(tmp)
            accounts = [{"username": f"candidate{n}.load", "password": PASSWORD} for n in range(candidates)]
            (folder / "capacity.json").write_text(json.dumps(accounts[args.users:-1]))
            (folder / "latency.json").write_text(json.dumps(accounts[:args.users]))
            common = {"LOAD_TEST_ID": str(test_id)}
            ceiling, ceiling_cpu = locust(port, "Bare", args.capacity_users, args.seconds, folder, common,
                                          args.locust_processes, args.capacity_users)
            without_pause = {**common, "LOAD_ACCOUNTS": str(folder / "capacity.json"), "LOAD_THINK": "0,0"}
            signed_in, signed_in_cpu = locust(port, "SignedIn", args.capacity_users, args.seconds, folder,
                                              without_pause, args.locust_processes, args.spawn_rate)
            capacity, capacity_cpu = locust(port, "Candidate", args.capacity_users, args.seconds, folder,
                                            without_pause, args.locust_processes, args.spawn_rate)
            (folder / "candidate_stats.csv").rename(folder / "capacity_stats.csv")
            alone = uncontended(port, test_id, accounts[-1], args.uncontended_seconds)
            thinking = {**common, "LOAD_ACCOUNTS": str(folder / "latency.json"), "LOAD_THINK": "2,6"}
            latency, _ = locust(port, "Candidate", args.users, args.seconds, folder, thinking,
                                args.locust_processes, args.spawn_rate)
        bare_rps = ceiling["ping"]["rps"]
        me_rps = signed_in["me"]["rps"]
        capacity_rps = capacity["Aggregated"]["rps"]
        answers = latency["answer"]
        print(f"ceiling   bare JSON endpoint: {bare_rps:8.1f} requests/s ({args.capacity_users} users, "
              f"gunicorn {args.workers} workers)")
        print(f"reference signed-in read of one row: {me_rps:8.1f} requests/s; ratio {me_rps / bare_rps:.2f} of the "
              f"ceiling (no answer's work at all)")
        print(f"capacity  candidates without pause: {capacity_rps:8.1f} requests/s "
              f"(answers {capacity['answer']['rps']:.1f}/s, p99 {capacity['answer']['p99']:.0f} ms); "
              f"ratio {capacity_rps / bare_rps:.2f} of the ceiling (goal >= 0.40): "
              f"{'met' if capacity_rps / bare_rps >= 0.4 else 'NOT met'}")
        print(f"          CPU, ceiling:  {cpu_line(ceiling_cpu, bare_rps)}")
        print(f"          CPU, signed in: {cpu_line(signed_in_cpu, me_rps)}")
        print(f"          CPU, capacity: {cpu_line(capacity_cpu, capacity_rps)}")
        if alone:
            pair = {name: alone[name]["server"] + alone[name]["postgres"] for name in alone}
            print(f"          uncontended (one client, no other load): bare {alone['ping']['server']:.2f} ms server; "
                  f"candidate {alone['candidate']['server']:.2f} ms server + {alone['candidate']['postgres']:.2f} ms "
                  f"PostgreSQL per request; ratio of the two {pair['ping'] / pair['candidate']:.2f}")
        print(f"latency   {args.users} candidates thinking 2-6 s: {answers['count']:.0f} answers, "
              f"{answers['rps']:.1f}/s, p50 {answers['p50']:.0f} ms, p95 {answers['p95']:.0f} ms, "
              f"p99 {answers['p99']:.0f} ms (goal < 100 ms): {'met' if answers['p99'] < 100 else 'NOT met'}; "
              f"failures {sum(s['failures'] for s in latency.values() if s is not latency.get('Aggregated')):.0f}")
        print(json.dumps({"bare_rps": bare_rps, "signed_in_rps": me_rps, "capacity_rps": capacity_rps,
                          "ratio": capacity_rps / bare_rps,
                          "answer_p50_ms": answers["p50"], "answer_p95_ms": answers["p95"],
                          "answer_p99_ms": answers["p99"], "users": args.users,
                          "uncontended_ms_per_request": alone,
                          "cpu_cores": {"ceiling": ceiling_cpu, "signed_in": signed_in_cpu,
                                        "capacity": capacity_cpu}}))
        return 0


if __name__ == "__main__":
    sys.exit(main())
