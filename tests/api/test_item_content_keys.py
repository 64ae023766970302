"""Item content holds only the keys its type knows, and every text a browser renders as markup is sanitised.

Keys a type does not know are refused (422 naming the field) on create, edit and import; a version stored
before they were refused reaches neither a candidate nor an export with them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.audit import AuditEvent
from question_bank.models import Item, ItemVersion
from question_bank.statistics import IrtParameters, set_irt_parameters
from tests.api.test_item_import import upload
from tests.factories import published_test, single_choice_spec

PROBLEM = "application/problem+json"
SCRIPT = "<img src=x onerror=alert(1)>"
OPTIONS = [{"id": "A", "text": "start"}, {"id": "B", "text": "starts"}, {"id": "C", "text": "starting"}]
VALID = {  # a valid item of every type: (content, scoring)
    "single_choice": ({"stem": "S", "options": OPTIONS}, {"correct": "B"}),
    "multiple_response": ({"stem": "S", "options": OPTIONS, "max_choices": 2}, {"correct": ["A", "B"]}),
    "true_false_not_given": ({"stem": "S", "options": [{"id": "TRUE", "text": "True"},
                                                       {"id": "FALSE", "text": "False"}], "variant": "true_false"},
                             {"correct": "TRUE"}),
    "ordering": ({"stem": "S", "options": OPTIONS}, {"order": ["C", "B", "A"]}),
    "matching": ({"stem": "S", "sources": OPTIONS, "targets": [{"id": "X", "text": "x"}, {"id": "Y", "text": "y"}]},
                 {"pairs": [["A", "X"], ["B", "Y"]]}),
    "gap_fill": ({"stem": "She {{g1}} here.", "gaps": [{"id": "g1"}]}, {"gaps": {"g1": {"accepted": ["lives"]}}}),
    "inline_choice": ({"stem": "She {{g1}} here.", "gaps": [{"id": "g1", "options": OPTIONS}]},
                      {"correct": {"g1": "B"}}),
    "short_answer": ({"stem": "S", "max_length": 40}, {"accepted": [{"text": "x"}]}),
    "essay": ({"stem": "Write to a friend.", "min_words": 80, "max_words": 120}, {"rubric": "Task, coherence"}),
    "speaking": ({"stem": "Talk about your job.", "preparation_seconds": 30, "response_seconds": 60},
                 {"rubric": "Fluency"}),
}
UNKNOWN = [  # (type, where the unknown key goes in the valid content, the field the 422 names)
    *[(t, (), "content.extra") for t in VALID],
    ("single_choice", ("options", 2), "content.options.2.colour"),
    ("multiple_response", ("options", 0), "content.options.0.colour"),
    ("true_false_not_given", ("options", 1), "content.options.1.colour"),
    ("ordering", ("options", 2), "content.options.2.colour"),
    ("matching", ("sources", 1), "content.sources.1.colour"),
    ("matching", ("targets", 0), "content.targets.0.colour"),
    ("gap_fill", ("gaps", 0), "content.gaps.0.colour"),
    ("inline_choice", ("gaps", 0), "content.gaps.0.colour"),
    ("inline_choice", ("gaps", 0, "options", 2), "content.gaps.0.options.2.colour"),
]


@pytest.fixture
def author(api_as):
    return api_as("author")


def _with_unknown_key(item_type: str, where: tuple) -> dict:
    content = VALID[item_type][0]
    content = {**content, **{key: [dict(e) if isinstance(e, dict) else e for e in value]
                             for key, value in content.items() if isinstance(value, list)}}
    if item_type == "inline_choice":
        content["gaps"] = [{**gap, "options": [dict(o) for o in gap["options"]]} for gap in content["gaps"]]
    target = content
    for step in where:
        target = target[step]
    target["extra" if not where else "colour"] = SCRIPT
    return content


def _create(client, item_type: str, content: dict, scoring: dict | None = None):
    return client.post("/api/v1/items", json={"type": item_type, "skill": "reading", "level": 3, "content": content,
                                              "scoring": scoring if scoring is not None else VALID[item_type][1]})


@pytest.mark.parametrize("item_type", list(VALID))
def test_every_type_takes_its_own_keys(author, item_type):
    created = _create(author, item_type, VALID[item_type][0])
    assert created.status_code == 201, created.json
    assert created.json["current_version"]["content"] == VALID[item_type][0]


@pytest.mark.parametrize(("item_type", "where", "field"), UNKNOWN, ids=[f"{t}-{f}" for t, _w, f in UNKNOWN])
def test_an_unknown_content_key_is_a_422_naming_it(author, item_type, where, field):
    refused = _create(author, item_type, _with_unknown_key(item_type, where))
    assert refused.status_code == 422 and refused.content_type == PROBLEM, refused.get_data(as_text=True)
    assert field in {error["field"] for error in refused.json["errors"]}


@pytest.mark.parametrize(("item_type", "where", "field"), UNKNOWN[:1] + UNKNOWN[-3:],
                         ids=[f"{t}-{f}" for t, _w, f in UNKNOWN[:1] + UNKNOWN[-3:]])
def test_an_edit_adding_an_unknown_content_key_is_a_422_naming_it(author, item_type, where, field):
    item = _create(author, item_type, VALID[item_type][0]).json
    edited = author.patch(f"/api/v1/items/{item['id']}", json={"content": _with_unknown_key(item_type, where)},
                          headers={"If-Match": item["etag"]})
    assert edited.status_code == 422 and edited.content_type == PROBLEM, edited.get_data(as_text=True)
    assert field in {error["field"] for error in edited.json["errors"]}
    assert author.get(f"/api/v1/items/{item['id']}").json["etag"] == item["etag"]


def test_the_qa_example_is_refused_naming_content_extra(author):
    spec = single_choice_spec()
    spec["content"]["extra"] = SCRIPT
    refused = author.post("/api/v1/items", json=spec)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json["errors"]] == ["content.extra"]


MARKUP_PLACES = [  # (type, content with a script in a text that is not the stem, the path to that text)
    ("single_choice", {"stem": "S", "options": [{"id": "A", "text": f"start{SCRIPT}<script>alert(2)</script>"},
                                                *OPTIONS[1:]]}, ("options", 0, "text")),
    ("matching", {"stem": "S", "sources": OPTIONS, "targets": [{"id": "X", "text": f"<b onclick='x()'>x</b>{SCRIPT}"},
                                                              {"id": "Y", "text": "y"}]}, ("targets", 0, "text")),
    ("inline_choice", {"stem": "She {{g1}} here.", "gaps": [{"id": "g1", "options": [
        OPTIONS[0], {"id": "B", "text": f'<a href="javascript:alert(3)">starts</a>{SCRIPT}'}, OPTIONS[2]]}]},
     ("gaps", 0, "options", 1, "text")),
]


def _at(content: dict, path: tuple):
    for step in path:
        content = content[step]
    return content


@pytest.mark.parametrize(("item_type", "content", "path"), MARKUP_PLACES, ids=[t for t, _c, _p in MARKUP_PLACES])
def test_a_script_in_a_choice_is_removed_before_storage_and_delivery(api_as, author, item_type, content, path):
    created = _create(author, item_type, content)
    assert created.status_code == 201, created.json
    stored = _at(created.json["current_version"]["content"], path)
    for dangerous in ("<script", "onerror", "onclick", "javascript:", "alert(2)"):
        assert dangerous not in stored
    reviewer = api_as("reviewer")
    assert author.post(f"/api/v1/items/{created.json['id']}/submit").status_code == 200
    assert reviewer.post(f"/api/v1/items/{created.json['id']}/approve").status_code == 200
    test = published_test(api_as("test_admin"), [created.json["id"]])
    started = api_as("candidate").post(f"/api/v1/tests/{test['id']}/attempts")
    assert started.status_code == 201, started.json
    shown = _at(started.json["items"][0]["content"], path[:-2])  # a list an attempt may show in its own order
    assert stored in [entry[path[-1]] for entry in shown]


def _store_unknown_keys(db_session, item) -> None:
    """What a version stored before unknown keys were refused may hold (written past the service, as then)."""
    version = db_session.get(ItemVersion, item.current_version_id)
    content = {**version.content, "extra": SCRIPT,
               "options": [{**option, "colour": SCRIPT} for option in version.content["options"]]}
    db_session.execute(update(ItemVersion).where(ItemVersion.id == version.id).values(content=content))
    db_session.flush()
    db_session.expire_all()


def _assert_known_keys_only(content: dict) -> None:
    assert set(content) == {"stem", "options"}
    assert all(set(option) == {"id", "text"} for option in content["options"])


def test_a_stored_unknown_key_is_delivered_to_no_candidate(api_as, factory, db_session):
    author, reviewer = factory.user("author"), factory.user("reviewer")
    items = []
    for index in range(6):
        item = factory.approved_item(author, reviewer, **single_choice_spec(level=1 + index % 6, correct="C"))
        set_irt_parameters(db_session, item_version_id=item.current_version_id,
                           parameters=IrtParameters(model="2pl", a=1.2, b=-1 + index / 3), calibrated_at=None)
        _store_unknown_keys(db_session, item)
        items.append(item)
    assert "extra" in db_session.get(ItemVersion, items[0].current_version_id).content  # stored as it was
    admin = api_as("test_admin")
    fixed = published_test(admin, [items[0].id, items[1].id])
    adaptive = admin.post("/api/v1/tests", json={"title": "Adaptive", "purpose": "placement", "kind": "adaptive",
                                                  "adaptive": {"min_items": 2, "max_items": 3}}).json
    assert admin.post(f"/api/v1/tests/{adaptive['id']}/publish").status_code == 200
    candidate = api_as("candidate")
    for test in (fixed, adaptive):
        started = candidate.post(f"/api/v1/tests/{test['id']}/attempts")
        assert started.status_code == 201, started.json
        assert started.json["items"] and SCRIPT not in started.get_data(as_text=True)
        for delivered in started.json["items"]:
            _assert_known_keys_only(delivered["content"])
        attempt_id, position = started.json["id"], started.json["items"][0]["position"]
        answered = candidate.put(f"/api/v1/attempts/{attempt_id}/responses/{position}",
                                 json={"answer": {"choice": "C"}})
        assert answered.status_code == 200, answered.json
        if answered.json.get("next_item"):  # adaptive: the next item comes with the answer
            _assert_known_keys_only(answered.json["next_item"]["content"])
        again = candidate.get(f"/api/v1/attempts/{attempt_id}")
        assert SCRIPT not in again.get_data(as_text=True)


def test_a_stored_unknown_key_is_left_out_of_exports(app, factory, db_session):
    from question_bank.exporting import export_items, exportable_items

    item = factory.approved_item(factory.user("author"), factory.user("reviewer"))
    _store_unknown_keys(db_session, item)
    exported = [e for e in exportable_items(db_session, app.extensions["levelpath.media"]) if e.type == "single_choice"]
    _assert_known_keys_only(exported[0].content)
    for fmt in ("qti3", "moodle", "gift"):
        result = export_items(exported, fmt)
        assert result.exported == 1 and b"onerror" not in result.data


MOODLE_WITH_RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="multichoice"><name><text>Record with an unknown key</text></name>
<questiontext format="html"><text><![CDATA[<p>Pick one</p>]]></text></questiontext>
<single>true</single><shuffleanswers>false</shuffleanswers>
<answer fraction="100" format="html"><text>Yes</text></answer>
<answer fraction="0" format="html"><text>No</text></answer>
<levelpath>{"content":{"extra":"&lt;img src=x onerror=alert(1)&gt;","shuffle":true}}</levelpath>
</question></quiz>
"""
GIFT_WITH_RECORD = """// levelpath: {"content":{"extra":"<img src=x onerror=alert(1)>","shuffle":true}}
::tense::She ___ to work every day. {~go =goes ~going}
"""
QTI_WITH_DEFAULTS = """<?xml version="1.0" encoding="UTF-8"?>
<qti-assessment-item xmlns="http://www.imsglobal.org/xsd/imsqtiasi_v3p0" identifier="lp-unknown-defaults"
    title="Defaults" adaptive="false" time-dependent="false">
  <qti-response-declaration identifier="RESPONSE" cardinality="single" base-type="identifier">
    <qti-correct-response><qti-value>B</qti-value></qti-correct-response>
  </qti-response-declaration>
  <qti-outcome-declaration identifier="SCORE" cardinality="single" base-type="float"/>
  <qti-item-body>
    <div class="lp-stem" data-lp-type="single_choice"
         data-lp-defaults="content/extra=&lt;img/src=x/onerror=alert(1)&gt; content/min_choices=0 content/shuffle=false"
    ><p>Pick one</p></div>
    <qti-choice-interaction response-identifier="RESPONSE" max-choices="1">
      <qti-simple-choice identifier="A">No</qti-simple-choice>
      <qti-simple-choice identifier="B">Yes</qti-simple-choice>
    </qti-choice-interaction>
  </qti-item-body>
  <qti-response-processing template="https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/match_correct.xml"/>
</qti-assessment-item>
"""


@pytest.mark.parametrize(("filename", "data", "content_keys", "noted"), [
    ("quiz.xml", MOODLE_WITH_RECORD, {"stem", "options", "shuffle"}, True),
    ("quiz.gift", GIFT_WITH_RECORD, {"stem", "options", "shuffle"}, True),
    ("item.xml", QTI_WITH_DEFAULTS, {"stem", "options", "shuffle"}, False),
])
def test_an_import_carries_only_known_keys_and_says_what_it_left_out(author, filename, data, content_keys, noted):
    imported = upload(author, data.encode(), filename)
    assert imported.status_code == 200, imported.json
    (entry,) = imported.json["entries"]
    assert entry["status"] == "created", entry
    if noted:
        assert "ignored content.extra" in entry["reason"]
    content = author.get(f"/api/v1/items/{entry['item_id']}").json["current_version"]["content"]
    assert set(content) == content_keys
    assert all(set(option) == {"id", "text"} for option in content["options"])


def test_an_edit_leaving_content_alone_drops_stored_unknown_keys_into_history(author, db_session):
    """A scoring-only edit of an item stored before unknown keys were refused is not refused for keys its
    author did not send: the new version carries the known content; the old version keeps what it held."""
    created = _create(author, "single_choice", VALID["single_choice"][0])
    assert created.status_code == 201, created.json
    _store_unknown_keys(db_session, db_session.get(Item, created.json["id"]))
    retitled = author.patch(f"/api/v1/items/{created.json['id']}", json={"title": "Renamed"},
                            headers={"If-Match": created.headers["ETag"]})
    assert retitled.status_code == 200, retitled.json
    assert len(author.get(f"/api/v1/items/{created.json['id']}/versions").json) == 1  # the keys alone make none
    before = author.get(f"/api/v1/items/{created.json['id']}")
    edited = author.patch(f"/api/v1/items/{created.json['id']}", json={"scoring": {"correct": "A"}},
                          headers={"If-Match": before.headers["ETag"]})
    assert edited.status_code == 200, edited.json
    versions = author.get(f"/api/v1/items/{created.json['id']}/versions").json
    earlier, latest = versions[-2], versions[-1]
    _assert_known_keys_only(latest["content"])
    assert latest["scoring"]["correct"] == "A"
    assert earlier["content"]["extra"] == SCRIPT  # the history is kept as it was
    event = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "item.updated")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.detail["unknown_content_keys_dropped"] == [
        "content.extra", *(f"content.options.{i}.colour" for i in range(3))]
