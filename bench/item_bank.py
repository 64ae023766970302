#!/usr/bin/env python3
"""Item bank at scale on PostgreSQL: search latency through the HTTP API, and QTI import rate.

Builds a bank of --items items (default 100,000) in a schema of its own, starts the real server
(gunicorn, the production setup) against it, and times filtered, paginated searches over HTTP.
Then imports QTI 3 items written by the project's own exporter and reports items per second.

    python bench/item_bank.py [--database-url URL] [--items 100000] [--requests 400]

Goal (issue 4): p95 search latency under 50 ms; the import rate is reported as measured.
"""

from __future__ import annotations

import argparse
import bisect
import http.client
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_support import DEFAULT_URL, bench_schema, running_server  # noqa: E402
from core import clock  # noqa: E402
from core.accounts.models import User  # noqa: E402
from core.accounts.security import hash_password  # noqa: E402
from core.accounts.services import issue_token  # noqa: E402
from core.db import make_engine  # noqa: E402
from question_bank.models import Item, ItemTag, ItemVersion  # noqa: E402
from question_bank.services import preview_of, searchable_text  # noqa: E402

SKILLS = ["grammar", "vocabulary", "reading", "listening", "writing", "speaking"]
STATUSES = ["draft", "in_review", "approved", "approved", "approved", "retired"]
TAGS = ["tenses", "articles", "work", "travel", "health", "union", "safety", "numbers", "email", "phrasal-verbs"]
WORDS = ("meeting", "office", "union", "worker", "contract", "salary", "safety", "training", "manager",
         "report", "holiday", "budget", "factory", "hospital", "teacher", "language", "travel", "weather",
         "family", "market", "river", "bridge", "station", "ticket", "computer", "email", "schedule",
         "deadline", "colleague", "negotiation", "committee", "proposal", "agreement", "insurance")


SYLLABLES = ["ba", "ko", "ri", "tan", "mel", "sor", "vi", "den", "pla", "qu", "ste", "mon", "ga", "lu", "fer", "nix"]


class Vocabulary:
    """Words with natural (Zipf) frequencies: a few very common, most rare, as in real item text."""

    def __init__(self, rng: random.Random, size: int = 5000, exponent: float = 1.07) -> None:
        generated = set()
        while len(generated) < size - len(WORDS):
            generated.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = [*WORDS, *sorted(generated)]
        weights = [1 / (rank ** exponent) for rank in range(1, len(self.words) + 1)]
        total = sum(weights)
        running, self.cumulative = 0.0, []
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)

    def draw(self, rng: random.Random) -> str:
        return self.words[min(bisect.bisect_left(self.cumulative, rng.random()), len(self.words) - 1)]


def build_bank(engine, n_items: int, rng: random.Random, vocabulary: Vocabulary) -> tuple[int, str]:
    """Insert n_items items with versions and tags in bulk; returns (author id, an API token)."""
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        author = User(username="bench.author", full_name="Bench", password_hash=hash_password("bench-password-1"),
                      roles=["author", "reviewer"])
        session.add(author)
        session.flush()
        _token, secret = issue_token(session, user=author, name="bench")
        session.commit()
        author_id = author.id
    now = clock.now()
    batch = 5000
    with engine.begin() as connection:
        for start in range(0, n_items, batch):
            count = min(batch, n_items - start)
            items, versions, tags = [], [], []
            for offset in range(count):
                item_id = start + offset + 1
                stem = " ".join(vocabulary.draw(rng) for _ in range(14)) + f" ({item_id})?"
                content = {"stem": stem, "options": [{"id": c, "text": vocabulary.draw(rng)} for c in "ABCD"]}
                items.append({"id": item_id, "type": "single_choice", "title": "", "language": "en",
                              "skill": rng.choice(SKILLS), "level": rng.randint(1, 6),
                              "status": rng.choice(STATUSES), "author_id": author_id, "revision": 1,
                              "search_text": searchable_text(content), "preview": preview_of(content),
                              "source": "", "created_at": now,
                              "updated_at": now, "topic": rng.choice(WORDS)})
                versions.append({"id": item_id, "item_id": item_id, "number": 1, "content": content,
                                 "scoring": {"correct": "A"}, "skill": items[-1]["skill"],
                                 "level": items[-1]["level"], "created_by": author_id, "created_at": now})
                tags.extend({"item_id": item_id, "tag": tag} for tag in rng.sample(TAGS, rng.randint(0, 2)))
            connection.execute(insert(Item), items)
            connection.execute(insert(ItemVersion), versions)
            if tags:
                connection.execute(insert(ItemTag), tags)
            connection.execute(text("UPDATE items SET current_version_id = id WHERE id > :a AND id <= :b"),
                               {"a": start, "b": start + count})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('items', 'id'), :n)"), {"n": n_items})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('item_versions', 'id'), :n)"), {"n": n_items})
    # Production tables are vacuumed by autovacuum; a freshly loaded one is not yet.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    return author_id, secret


def time_searches(port: int, token: str, n_requests: int, rng: random.Random, vocabulary: Vocabulary
                  ) -> dict[str, list[float]]:
    queries = {
        "skill+level": lambda: f"skill={rng.choice(SKILLS)}&level={rng.randint(1, 6)}",
        "status+type+skill, deep page": lambda: f"status=approved&type=single_choice&skill={rng.choice(SKILLS)}"
                                                f"&page={rng.randint(1, 50)}",
        "tag+level": lambda: f"tag={rng.choice(TAGS)}&level={rng.randint(1, 6)}",
        "text+level": lambda: f"q={vocabulary.draw(rng)}&level={rng.randint(1, 6)}",
        "two words+status": lambda: f"q={vocabulary.draw(rng)}+{vocabulary.draw(rng)}&status=approved",
        "topic, newest first": lambda: f"topic={rng.choice(WORDS)}&sort=-updated_at",
        "skill by level, 100 a page": lambda: f"skill={rng.choice(SKILLS)}&sort=-level&per_page=100",
    }
    kinds = list(queries)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    for index in range(n_requests + 20):
        kind = kinds[index % len(kinds)]
        url = "/api/v1/items?" + queries[kind]()
        started = time.perf_counter()
        connection.request("GET", url, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"{url} -> {response.status}: {body[:300]!r}")
        if index >= 20:  # the first requests warm caches and connections
            timings[kind].append(elapsed * 1000)
    return timings


def import_rate(database_url: str, n_items: int) -> tuple[int, float]:
    """Write n QTI 3 items with the project's exporter, then time the import of that package."""
    from sqlalchemy.orm import Session

    from core.accounts import Role
    from core.accounts.services import ensure_service_account
    from question_bank.importing import import_results
    from question_bank.interchange.model import ExportableItem
    from question_bank.interchange.qti import write_qti3_package
    from question_bank.interchange.sources import read_path
    from question_bank.media import MediaStore

    rng = random.Random(7)
    items = [ExportableItem(identifier=f"bench-import-{uuid.uuid4().hex[:12]}", type="single_choice",
                            content={"stem": " ".join(rng.choice(WORDS) for _ in range(15)) + "?",
                                     "options": [{"id": c, "text": rng.choice(WORDS) + c} for c in "ABCD"]},
                            scoring={"correct": rng.choice("ABCD")}, skill=rng.choice(SKILLS), level=rng.randint(1, 6))
             for _ in range(n_items)]
    with tempfile.TemporaryDirectory() as folder:
        package = Path(folder) / "bench.zip"
        package.write_bytes(write_qti3_package(items))
        engine = make_engine(database_url)
        with Session(engine) as session:
            actor = ensure_service_account(session, username="bench.import", roles=[Role.AUTHOR],
                                           full_name="Bench import").as_actor()
            started = time.perf_counter()
            report = import_results(session, actor=actor, results=read_path(package),
                                    store=MediaStore(Path(folder) / "media"))
            session.commit()
            elapsed = time.perf_counter() - started
        engine.dispose()
    created = sum(entry.status == "created" for entry in report)
    return created, elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--import-items", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="Keep the bench schema (printed) for profiling.")
    args = parser.parse_args(argv)

    from api.migrations import upgrade_database

    with bench_schema(args.database_url, "lp_bench", keep=args.keep) as url:
        upgrade_database(url)
        engine = make_engine(url)
        started = time.perf_counter()
        vocabulary = Vocabulary(random.Random(5))
        _author, token = build_bank(engine, args.items, random.Random(2026), vocabulary)
        print(f"built a bank of {args.items:,} items in {time.perf_counter() - started:.1f} s")
        engine.dispose()
        with running_server(url, args.workers) as port:
            by_kind = time_searches(port, token, args.requests, random.Random(11), vocabulary)
        for kind, values in by_kind.items():
            print(f"  {kind:<32} median {statistics.median(values):6.1f} ms  max {max(values):6.1f} ms")
        timings = [value for values in by_kind.values() for value in values]
        quantiles = statistics.quantiles(timings, n=100)
        p50, p95, p99 = quantiles[49], quantiles[94], quantiles[98]
        print(f"search over HTTP ({len(timings)} requests, gunicorn {args.workers} workers, PostgreSQL): "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {max(timings):.1f} ms")
        print(f"goal p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'} (ratio p95/goal = {p95 / 50:.2f})")
        created, seconds = import_rate(url, args.import_items)
        print(f"QTI 3 import: {created} items in {seconds:.2f} s = {created / seconds:.0f} items/s")
        print(json.dumps({"items": args.items, "search_p50_ms": round(p50, 2), "search_p95_ms": round(p95, 2),
                          "search_p99_ms": round(p99, 2), "import_items_per_s": round(created / seconds, 1)}))


if __name__ == "__main__":
    main()
