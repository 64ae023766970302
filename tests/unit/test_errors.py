from __future__ import annotations

from api.errors import flatten_messages


def test_nested_marshmallow_messages_become_dotted_paths():
    messages = {"cut_scores": {0: {"level": ["Not a valid integer."]}}, "title": ["Missing data.", "Too short."]}
    assert flatten_messages(messages) == [
        ("cut_scores.0.level", "Not a valid integer."), ("title", "Missing data."), ("title", "Too short."),
    ]
