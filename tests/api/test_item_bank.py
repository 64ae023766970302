"""The item bank over HTTP: versions and ETags, workflow, enemies, stimuli, media, search, audit."""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib

import pytest

from tests.factories import single_choice_spec

PROBLEM = "application/problem+json"


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@pytest.fixture
def author(api_as):
    return api_as("author")


def create(client, **overrides):
    response = client.post("/api/v1/items", json={**single_choice_spec(), **overrides})
    assert response.status_code == 201, response.json
    return response


def test_metadata_is_stored_and_the_etag_sent(author):
    created = create(author, title="Meeting time", topic="work", tags=["tenses", "A2"], expected_seconds=40,
                     source="LevelPath team", identifier="lp-demo-1")
    body = created.json
    assert (body["title"], body["topic"], body["tags"], body["expected_seconds"]) == (
        "Meeting time", "work", ["A2", "tenses"], 40)
    assert created.headers["ETag"] == body["etag"]
    again = author.get(f"/api/v1/items/{body['id']}")
    assert again.headers["ETag"] == body["etag"]
    assert create(author).json["identifier"] is None
    duplicate = author.post("/api/v1/items", json={**single_choice_spec(), "identifier": "lp-demo-1"})
    assert duplicate.status_code == 409


def test_edit_needs_if_match_and_a_stale_one_gets_412(author, api_as):
    item = create(author).json
    url = f"/api/v1/items/{item['id']}"
    missing = author.client.patch(url, json={"title": "x"}, headers={"Authorization": f"Bearer {author.token}"})
    assert missing.status_code == 428 and missing.content_type == PROBLEM
    other_author = api_as("author")
    first = other_author.client.patch(url, json={"title": "First edit"},
                                      headers={"Authorization": f"Bearer {other_author.token}",
                                               "If-Match": item["etag"]})
    assert first.status_code == 200
    stale = author.client.patch(url, json={"title": "Lost update"},
                                headers={"Authorization": f"Bearer {author.token}", "If-Match": item["etag"]})
    assert stale.status_code == 412 and stale.content_type == PROBLEM
    assert stale.json["current_etag"] == first.json["etag"]
    assert author.get(url).json["title"] == "First edit"


def _patch(client, item, **body):
    return client.patch(f"/api/v1/items/{item['id']}", json=body, headers={"If-Match": item["etag"]})


def test_content_changes_make_immutable_versions_with_a_diff(author):
    item = create(author).json
    metadata_only = _patch(author, item, tags=["grammar"])
    assert metadata_only.json["current_version"]["number"] == 1
    assert metadata_only.json["etag"] != item["etag"]
    content = dict(item["current_version"]["content"])
    content["stem"] = "The bus ___ at nine."
    edited = _patch(author, metadata_only.json, content=content, scoring={"correct": "B"}, comment="clearer stem")
    assert edited.status_code == 200, edited.json
    assert edited.json["current_version"]["number"] == 2
    versions = author.get(f"/api/v1/items/{item['id']}/versions").json
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["content"]["stem"] == item["current_version"]["content"]["stem"]
    diff = author.get(f"/api/v1/items/{item['id']}/diff?from=1&to=2").json
    assert diff == [{"path": "content.stem", "before": item["current_version"]["content"]["stem"],
                     "after": "The bus ___ at nine."}]
    assert author.get(f"/api/v1/items/{item['id']}/versions/3").status_code == 404


def test_an_edit_that_changes_nothing_keeps_the_etag_and_writes_no_audit_entry(author, api_as):
    """A form saved without changes must not make another author's If-Match stale (a false 412)."""
    item = _patch(author, create(author).json, tags=["a", "b"], title="Meeting").json
    other_author = api_as("author")
    read_by_other = other_author.get(f"/api/v1/items/{item['id']}").json
    content = item["current_version"]["content"]
    for body in ({"tags": ["b", "a"]}, {"tags": [" a", "b", "a"]}, {}, {"title": "Meeting", "level": item["level"]},
                 {"content": content, "scoring": {"correct": "B"}}):
        same = _patch(author, item, **body)
        assert same.status_code == 200, same.json
        assert (same.json["revision"], same.headers["ETag"]) == (item["revision"], item["etag"]), body
    audit = author.get(f"/api/v1/items/{item['id']}/audit").json
    assert [e["action"] for e in audit] == ["item.updated", "item.created"]
    assert audit[0]["detail"]["metadata"] == {"tags": [[], ["a", "b"]], "title": ["", "Meeting"]}
    edited = _patch(other_author, read_by_other, title="A real edit")
    assert edited.status_code == 200 and edited.json["revision"] == item["revision"] + 1


def test_an_edit_that_breaks_the_type_rules_changes_nothing(author):
    item = create(author).json
    refused = _patch(author, item, scoring={"correct": "Z"})
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "scoring.correct"
    assert author.get(f"/api/v1/items/{item['id']}").json["etag"] == item["etag"]


def test_editing_an_approved_item_sends_it_back_to_review(author, api_as):
    item = create(author).json
    author.post(f"/api/v1/items/{item['id']}/submit")
    approved = api_as("reviewer").post(f"/api/v1/items/{item['id']}/approve").json
    edited = _patch(author, approved, scoring={"correct": "C"})
    assert edited.json["status"] == "draft"
    in_review = author.post(f"/api/v1/items/{item['id']}/submit").json
    assert _patch(author, in_review, title="during review").status_code == 409


def test_attempt_keeps_the_version_it_delivered_after_the_item_is_edited(author, api_as, factory):
    item = create(author, scoring={"correct": "B"}).json
    author.post(f"/api/v1/items/{item['id']}/submit")
    approved = api_as("reviewer").post(f"/api/v1/items/{item['id']}/approve").json
    admin = api_as("test_admin")
    test_id = admin.post("/api/v1/tests", json={"title": "T", "purpose": "placement", "item_ids": [item["id"]],
                                                 "cut_scores": [{"level": 1, "min_score": 1}]}).json["id"]
    admin.post(f"/api/v1/tests/{test_id}/publish")
    candidate = api_as("candidate")
    attempt = candidate.post(f"/api/v1/tests/{test_id}/attempts").json
    original_stem = attempt["items"][0]["content"]["stem"]

    content = dict(approved["current_version"]["content"], stem="A completely new question?")
    assert _patch(author, approved, content=content, scoring={"correct": "A"}).status_code == 200

    resumed = candidate.get(f"/api/v1/attempts/{attempt['id']}").json
    assert resumed["items"][0]["content"]["stem"] == original_stem
    candidate.put(f"/api/v1/attempts/{attempt['id']}/responses/1", json={"answer": {"choice": "B"}})
    result = candidate.post(f"/api/v1/attempts/{attempt['id']}/submit").json
    assert result["raw_score"] == 1.0  # scored with the key of the delivered version


def test_retired_items_cannot_be_edited_or_put_in_tests(author, api_as):
    item = create(author).json
    retired = author.post(f"/api/v1/items/{item['id']}/retire", json={"comment": "outdated"}).json
    assert retired["status"] == "retired"
    assert _patch(author, retired, title="x").status_code == 409
    assert author.post(f"/api/v1/items/{item['id']}/submit").status_code == 409
    refused = api_as("test_admin").post("/api/v1/tests", json={
        "title": "T", "purpose": "placement", "item_ids": [item["id"]], "cut_scores": [{"level": 1, "min_score": 1}]})
    assert refused.status_code == 422


def test_approval_needs_a_classified_item(author, api_as, db_session):
    from question_bank.models import Item

    item = create(author).json
    author.post(f"/api/v1/items/{item['id']}/submit")
    db_session.get(Item, item["id"]).level = None
    db_session.flush()
    refused = api_as("reviewer").post(f"/api/v1/items/{item['id']}/approve")
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "level"


def set_enemies(client, item_id, enemy_ids, etag=None):
    """PUT an item's enemies with the ETag given, or the one it has now."""
    etag = etag or client.get(f"/api/v1/items/{item_id}").headers["ETag"]
    return client.put(f"/api/v1/items/{item_id}/enemies", json={"enemy_ids": enemy_ids}, headers={"If-Match": etag})


def test_enemies_are_symmetric(author):
    first, second, third = (create(author).json["id"] for _ in range(3))
    assert set_enemies(author, first, [second, third]).status_code == 200
    assert author.get(f"/api/v1/items/{second}/enemies").json == {"enemy_ids": [first]}
    assert set_enemies(author, first, [first]).status_code == 422
    assert set_enemies(author, first, [999999]).status_code == 422
    assert set_enemies(author, first, []).status_code == 200
    assert author.get(f"/api/v1/items/{third}/enemies").json == {"enemy_ids": []}


def test_enemies_need_the_items_etag_and_change_the_etag_and_audit_of_both_items(author, api_as):
    """Two authors who read the same enemy list cannot both replace it: the second gets 412, not a silent loss."""
    x, y, z = (create(author).json["id"] for _ in range(3))
    other_author = api_as("author")
    read = author.get(f"/api/v1/items/{x}/enemies")
    etag_x, etag_y, etag_z = read.headers["ETag"], *(author.get(f"/api/v1/items/{i}").headers["ETag"] for i in (y, z))
    missing = author.put(f"/api/v1/items/{x}/enemies", json={"enemy_ids": [y]})
    assert missing.status_code == 428 and missing.content_type == PROBLEM
    assert set_enemies(author, x, [y], etag='"garbage"').status_code == 412
    first = set_enemies(author, x, [y], etag=etag_x)
    assert first.status_code == 200 and first.json == {"enemy_ids": [y]}
    stale = set_enemies(other_author, x, [z], etag=etag_x)
    assert stale.status_code == 412 and stale.json["current_etag"] == first.headers["ETag"]
    assert author.get(f"/api/v1/items/{x}/enemies").json == {"enemy_ids": [y]}
    # The other side of the pair changed too: an edit of y based on what it was before is stale.
    assert author.get(f"/api/v1/items/{y}").headers["ETag"] != etag_y
    assert author.get(f"/api/v1/items/{z}").headers["ETag"] == etag_z
    assert _patch(other_author, {"id": y, "etag": etag_y}, title="based on the old y").status_code == 412
    assert set_enemies(author, x, [z]).status_code == 200  # y out, z in: both change
    assert author.get(f"/api/v1/items/{z}").headers["ETag"] != etag_z
    y_audit = [(e["action"], e["detail"]) for e in author.get(f"/api/v1/items/{y}/audit").json]
    assert [action for action, _ in y_audit] == ["item.enemies_set", "item.enemies_set", "item.created"]
    assert y_audit[0][1]["removed"] == [x] and y_audit[1][1]["added"] == [x]
    assert author.get(f"/api/v1/items/{z}/audit").json[0]["detail"]["added"] == [x]


def test_setting_the_enemies_an_item_has_changes_nothing(author):
    x, y = (create(author).json["id"] for _ in range(2))
    etag = set_enemies(author, x, [y]).headers["ETag"]
    again = set_enemies(author, x, [y], etag=etag)
    assert again.status_code == 200 and again.headers["ETag"] == etag
    assert [e["action"] for e in author.get(f"/api/v1/items/{x}/audit").json].count("item.enemies_set") == 1


def test_markup_is_sanitised_before_it_is_stored(author):
    spec = single_choice_spec()
    spec["content"]["stem"] = '<p onmouseover="steal()">Read <script>alert(1)</script><b>this</b></p>'
    spec["content"]["options"][0]["text"] = '<img src="javascript:alert(1)">start'
    stored = create(author, **spec).json["current_version"]["content"]
    assert stored["stem"] == "<p>Read <b>this</b></p>"
    assert stored["options"][0]["text"] == "<img />start"


def test_stimuli_are_shared_by_items(author, api_as):
    stimulus = author.post("/api/v1/stimuli", json={"title": "Notice", "body": "<p>The canteen closes at 2.</p>"})
    assert stimulus.status_code == 201
    stimulus_id = stimulus.json["id"]
    same = author.post("/api/v1/stimuli", json={"title": "Notice", "body": "<p>The canteen closes at 2.</p>"})
    assert same.json["id"] == stimulus_id  # identical content is stored once
    item = create(author, skill="reading", stimulus_id=stimulus_id).json
    assert item["stimulus_id"] == stimulus_id
    assert author.post("/api/v1/items", json={**single_choice_spec(), "stimulus_id": 999999}).status_code == 422
    assert api_as("candidate").get(f"/api/v1/stimuli/{stimulus_id}").status_code == 403


def test_search_filters_sorts_and_paginates(author, api_as):
    reviewer = api_as("reviewer")
    marker = "zebracrossing"
    ids = []
    for level in (2, 3, 3, 5):
        spec = single_choice_spec(level=level, skill="vocabulary")
        spec["content"]["stem"] = f"Where is the {marker} number {level}?"
        ids.append(create(author, **spec, tags=["roads"] if level == 3 else []).json["id"])
    found = reviewer.get(f"/api/v1/items?q={marker}&sort=-level&per_page=2").json
    assert found["meta"] == {"page": 1, "per_page": 2, "total": 4, "total_capped": False}
    assert [i["level"] for i in found["items"]] == [5, 3]
    assert reviewer.get(f"/api/v1/items?q={marker}&page=2&per_page=2&sort=-level").json["items"][1]["level"] == 2
    assert {i["id"] for i in reviewer.get(f"/api/v1/items?q={marker.upper()}&level=3").json["items"]} == set(ids[1:3])
    assert reviewer.get(f"/api/v1/items?q={marker}&tag=roads").json["meta"]["total"] == 2
    assert reviewer.get(f"/api/v1/items?q={marker}&tag=roads&tag=none").json["meta"]["total"] == 0
    assert reviewer.get(f"/api/v1/items?q={marker}&skill=grammar").json["meta"]["total"] == 0
    assert reviewer.get(f"/api/v1/items?q={marker}%25").json["meta"]["total"] == 4  # punctuation is not a wildcard
    assert reviewer.get(f"/api/v1/items?q={marker}+nowhere").json["meta"]["total"] == 0  # every word must occur
    assert reviewer.get("/api/v1/items?q=zebracross").json["meta"]["total"] == 4  # word beginnings match
    assert reviewer.get(f"/api/v1/items?q={marker}&status=draft&type=single_choice&language=en"
                        ).json["meta"]["total"] == 4


def test_block_edges_and_line_breaks_part_words_in_search_and_previews(author, api_as):
    stems = {"letter": "<p>Read the zebraletter.</p><p>Answer the question</p>",
             "lines": "Line zebraone<br/>line two", "list": "<ul><li>zebraapple</li><li>banana</li></ul> Which?"}
    ids = {name: create(author, content={**single_choice_spec()["content"], "stem": stem}).json["id"]
           for name, stem in stems.items()}
    reviewer = api_as("reviewer")
    found = reviewer.get("/api/v1/items", query_string={"q": "zebra", "per_page": 50}).json["items"]
    assert {i["id"]: i["preview"] for i in found} == {
        ids["letter"]: "Read the zebraletter. Answer the question", ids["lines"]: "Line zebraone line two",
        ids["list"]: "zebraapple banana Which?"}

    def matches(query):
        return {i["id"] for i in reviewer.get("/api/v1/items", query_string={"q": query}).json["items"]}

    assert matches("zebraoneline") == matches("zebraapplebanana") == set()
    assert matches("zebraone line") == {ids["lines"]}
    assert matches("zebraletter answer") == {ids["letter"]}


@pytest.mark.parametrize("query", ["???", "%", "  ", "-.-"])
def test_a_text_query_without_a_word_is_a_422_not_the_whole_bank(author, api_as, query):
    create(author)
    refused = api_as("reviewer").get("/api/v1/items", query_string={"q": query})
    assert refused.status_code == 422 and refused.content_type == PROBLEM, refused.json
    assert [error["field"] for error in refused.json["errors"]] == ["q"]


def test_audit_log_records_who_did_what(author, api_as):
    item = create(author).json
    author.post(f"/api/v1/items/{item['id']}/submit")
    reviewer = api_as("reviewer")
    reviewer.post(f"/api/v1/items/{item['id']}/approve", json={"comment": "fine"})
    events = reviewer.get(f"/api/v1/items/{item['id']}/audit").json
    assert [(e["action"], e["actor_id"]) for e in reversed(events)] == [
        ("item.created", author.user.id), ("item.submitted", author.user.id), ("item.approved", reviewer.user.id)]
    assert reviewer.get("/api/v1/audit").status_code == 403
    assert any(e["action"] == "item.approved" for e in api_as("admin").get("/api/v1/audit").json)


def test_media_upload_checks_content_and_stores_by_hash(author, api_as):
    data = png_bytes()
    uploaded = author.post("/api/v1/media", data={"file": (io.BytesIO(data), "diagram.png", "image/png")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["mime_type"] == "image/png" and uploaded.json["size"] == len(data)
    again = author.post("/api/v1/media", data={"file": (io.BytesIO(data), "copy.png", "image/png")},
                        content_type="multipart/form-data")
    assert again.json["sha256"] == uploaded.json["sha256"]
    fetched = api_as("candidate").get(uploaded.json["url"])
    assert fetched.status_code == 200 and fetched.data == data and fetched.mimetype == "image/png"
    partial = author.get(uploaded.json["url"], headers={"Range": "bytes=0-7"})
    assert partial.status_code == 206 and partial.data == data[:8]
    assert author.get("/api/v1/media/" + "0" * 64).status_code == 404


@pytest.mark.parametrize(("data", "name", "declared", "message"), [
    (b"#!/bin/sh\necho pwned\n", "photo.png", "image/png", "not a supported"),
    (png_bytes(), "sound.ogg", "audio/ogg", "declared as audio/ogg but the content is image/png"),
])
def test_media_of_the_wrong_type_is_refused(author, data, name, declared, message):
    refused = author.post("/api/v1/media", data={"file": (io.BytesIO(data), name, declared)},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    assert message in refused.json["detail"]
    assert refused.json["errors"][0]["field"] == "file"


def test_oversized_media_is_refused(author, monkeypatch):
    from question_bank import media

    monkeypatch.setitem(media.KINDS, "image/png", media.MediaKind("image/png", 40))
    refused = author.post("/api/v1/media", data={"file": (io.BytesIO(png_bytes(20, 20)), "big.png", "image/png")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "at most" in refused.json["detail"]


def test_media_upload_without_a_file_is_a_clear_422(author):
    refused = author.post("/api/v1/media", data={}, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "file"


def test_counts_stop_at_the_cap_and_say_so(author, api_as, monkeypatch):
    from question_bank import queries

    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    for _ in range(3):
        create(author, topic="capped-topic")
    meta = api_as("reviewer").get("/api/v1/items?topic=capped-topic").json["meta"]
    assert (meta["total"], meta["total_capped"]) == (2, True)
    meta = api_as("reviewer").get("/api/v1/items?topic=capped-topic&per_page=1&page=3").json
    assert len(meta["items"]) == 1  # pages beyond the counted total are still served


def test_few_and_many_matches_give_the_same_sorted_pages_with_tags(author, api_as, monkeypatch):
    """Few matches are found first and sorted after (PostgreSQL); many walk the sort order: same pages."""
    from question_bank import queries

    for level, tags in ((4, ["b-tag", "a-tag"]), (2, []), (6, ["c-tag"]), (4, [])):
        create(author, topic="sorted-topic", level=level, tags=tags)
    reviewer = api_as("reviewer")
    urls = [f"/api/v1/items?topic=sorted-topic&sort={sort}&per_page=3&page={page}"
            for sort in ("-level", "level", "-updated_at", "id", "-id") for page in (1, 2)]
    few = [reviewer.get(url).json for url in urls]
    monkeypatch.setattr(queries, "COUNT_LIMIT", 1)
    many = [reviewer.get(url).json for url in urls]
    assert [page["items"] for page in few] == [page["items"] for page in many]
    assert [i["level"] for i in few[0]["items"]] == [6, 4, 4]
    assert [i["level"] for i in few[1]["items"]] == [2]
    assert {tuple(i["tags"]) for i in few[0]["items"]} == {("c-tag",), ("a-tag", "b-tag"), ()}
    assert [i["id"] for i in few[6]["items"]] == sorted(i["id"] for i in few[6]["items"])


def test_examiners_see_the_statistics_of_each_version(author, db_session):
    from question_bank.statistics import IrtParameters, set_irt_parameters

    item = create(author).json
    assert item["current_version"]["statistics"] is None
    set_irt_parameters(db_session, item_version_id=item["current_version"]["id"],
                       parameters=IrtParameters(model="3pl", a=1.2, b=-0.4, c=0.2), calibrated_at=None)
    stats = author.get(f"/api/v1/items/{item['id']}").json["current_version"]["statistics"]
    assert (stats["irt_model"], stats["irt_a"], stats["irt_b"], stats["irt_c"]) == ("3pl", 1.2, -0.4, 0.2)
    assert stats["irt_provisional"] is True and stats["exposure_count"] == 0


TFNG_OPTIONS = [{"id": "TRUE", "text": "True"}, {"id": "FALSE", "text": "False"},
                {"id": "NOT_GIVEN", "text": "Not Given"}]
MALFORMED = [  # (type, content, scoring, the field the 422 names)
    ("true_false_not_given", {"stem": "S", "options": ["TRUE", "FALSE"]}, {"correct": "TRUE"}, "content.options.0"),
    ("true_false_not_given", {"stem": "S", "options": [{}, {}]}, {"correct": "TRUE"}, "content.options.0.id"),
    ("true_false_not_given", {"stem": "S", "variant": ["a"], "options": TFNG_OPTIONS}, {"correct": "TRUE"},
     "content.variant"),
    ("true_false_not_given", {"stem": "S", "options": TFNG_OPTIONS}, {"correct": {"x": 1}}, "scoring.correct"),
    ("multiple_response", {"stem": "S", "options": TFNG_OPTIONS}, {"correct": [{"x": 1}]}, "scoring.correct"),
    ("multiple_response", {"stem": "S", "options": TFNG_OPTIONS}, {"correct": [["TRUE"]]}, "scoring.correct"),
    ("gap_fill", {"stem": ["{{g}}"], "gaps": [{"id": "g"}]}, {"gaps": {"g": {"accepted": ["x"]}}}, "content.stem"),
    ("inline_choice", {"stem": "{{g}}", "gaps": True}, {"correct": {"g": "A"}}, "content.gaps"),
    ("inline_choice", {"stem": "{{g}}", "gaps": [{"id": "g", "options": TFNG_OPTIONS}]},
     {"correct": {"g": "TRUE"}, "method": "table", "table": [0, 0.5]}, "scoring.table.1"),
    ("short_answer", {"stem": "S"}, {"accepted": [{"text": "x"}], "case_sensitive": "no"}, "scoring.case_sensitive"),
    ("ordering", {"stem": "S", "options": [{"id": "True", "text": "a"}, {"id": "False", "text": "b"}]},
     {"order": [True, False]}, "scoring.order"),
]


@pytest.mark.parametrize(("item_type", "content", "scoring", "field"), MALFORMED,
                         ids=[f"{t}-{f}" for t, _c, _s, f in MALFORMED])
def test_malformed_content_or_scoring_is_a_422_naming_the_field(author, item_type, content, scoring, field):
    created = author.post("/api/v1/items", json={"type": item_type, "skill": "reading", "level": 3,
                                                 "content": content, "scoring": scoring})
    assert created.status_code == 422 and created.content_type == PROBLEM, created.get_data(as_text=True)
    assert field in {error["field"] for error in created.json["errors"]}


@pytest.mark.parametrize(("item_type", "content", "scoring", "field"), MALFORMED,
                         ids=[f"{t}-{f}" for t, _c, _s, f in MALFORMED])
def test_a_malformed_edit_is_a_422_naming_the_field(author, item_type, content, scoring, field):
    valid = {
        "true_false_not_given": ({"stem": "S", "options": TFNG_OPTIONS}, {"correct": "TRUE"}),
        "multiple_response": ({"stem": "S", "options": TFNG_OPTIONS}, {"correct": ["TRUE"]}),
        "gap_fill": ({"stem": "{{g}}", "gaps": [{"id": "g"}]}, {"gaps": {"g": {"accepted": ["x"]}}}),
        "inline_choice": ({"stem": "{{g}}", "gaps": [{"id": "g", "options": TFNG_OPTIONS}]},
                          {"correct": {"g": "TRUE"}}),
        "short_answer": ({"stem": "S"}, {"accepted": [{"text": "x"}]}),
        "ordering": ({"stem": "S", "options": TFNG_OPTIONS}, {"order": ["FALSE", "TRUE", "NOT_GIVEN"]}),
    }[item_type]
    item = create(author, type=item_type, content=valid[0], scoring=valid[1]).json
    edited = _patch(author, item, content=content, scoring=scoring)
    assert edited.status_code == 422 and edited.content_type == PROBLEM, edited.get_data(as_text=True)
    assert field in {error["field"] for error in edited.json["errors"]}
    assert author.get(f"/api/v1/items/{item['id']}").json["etag"] == item["etag"]


def test_text_is_stored_composed_and_found_whichever_way_accents_were_typed(author, api_as):
    composed, decomposed = "Tiếng Việt", unicodedata.normalize("NFD", "Tiếng Việt")
    spec = single_choice_spec()
    spec["content"]["stem"] = f"Chọn từ đúng: học {decomposed} mỗi ngày ___"
    item = create(author, **spec).json
    assert composed in item["current_version"]["content"]["stem"]
    other = single_choice_spec()
    other["content"]["stem"] = f"Chọn từ đúng: học {composed} ở trường ___"
    create(author, **other)
    reviewer = api_as("reviewer")
    for query in (composed, decomposed, decomposed.upper()):
        found = reviewer.get("/api/v1/items", query_string={"q": f"{query} chọn"}).json
        assert found["meta"]["total"] == 2, query


def test_tags_are_stored_composed_and_found_whichever_way_accents_were_typed(author, api_as):
    composed = "ngữ pháp"
    decomposed = unicodedata.normalize("NFD", composed)
    item = create(author, tags=[f" {decomposed} "]).json
    assert item["tags"] == [composed]
    both = create(author, tags=[composed, decomposed]).json
    assert both["tags"] == [composed]
    edited = _patch(author, item, tags=[decomposed, "A2"]).json
    assert edited["tags"] == ["A2", composed]
    reviewer = api_as("reviewer")
    for tag in (composed, decomposed):
        found = reviewer.get("/api/v1/items", query_string={"tag": tag}).json
        assert {i["id"] for i in found["items"]} == {item["id"], both["id"]}, tag
        assert all(i["tags"] in ([composed], ["A2", composed]) for i in found["items"])


def test_other_tools_classes_and_tooltips_are_not_stored(author):
    spec = single_choice_spec()
    spec["content"]["stem"] = ('<p class="QMultiChoice lp-instruction">Read <abbr title="World Health '
                               'Organization">WHO</abbr> <span title="the answer is B">now</span></p>')
    spec["content"]["options"][1]["text"] = '<p class="ACorrectChoice">starts</p>'
    stored = create(author, **spec).json["current_version"]["content"]
    assert stored["stem"] == ('<p class="lp-instruction">Read <abbr title="World Health Organization">WHO</abbr> '
                              "<span>now</span></p>")
    assert stored["options"][1]["text"] == "<p>starts</p>"
