"""A wait between attempts at any test of a purpose: not to be got round by running two at once."""

from __future__ import annotations

from tests.api.test_bad_input import assert_problem
from tests.api.test_test_sessions import _published_test

RULES = {"retake_wait_days": 30, "retake_scope": "purpose", "max_attempts": 1}


def test_a_purpose_wide_wait_refuses_a_second_test_of_the_purpose_while_one_runs(api_as, factory, fake_clock):
    """Before, both started and both were handed in at once: two certification results 0 days apart."""
    admin = api_as("test_admin")
    first, second = (_published_test(admin, factory) for _ in range(2))
    placement = _published_test(admin, factory, purpose="placement")
    for test_id in (first, second, placement):
        assert admin.put(f"/api/v1/tests/{test_id}/admission-rules", json=RULES).status_code == 200
    candidate = api_as("candidate")
    running = candidate.post(f"/api/v1/tests/{first}/attempts")
    assert running.status_code == 201
    refused = assert_problem(candidate.post(f"/api/v1/tests/{second}/attempts"), 409)
    assert refused["rule"] == "retake_wait_days" and refused["attempt_id"] == running.json["id"]
    assert candidate.post(f"/api/v1/tests/{placement}/attempts").status_code == 201  # another purpose: no wait
    other = api_as("candidate")  # the rule is the candidate's own: someone else starts the second test
    assert other.post(f"/api/v1/tests/{second}/attempts").status_code == 201
    assert candidate.post(f"/api/v1/attempts/{running.json['id']}/submit").status_code == 200
    waiting = assert_problem(candidate.post(f"/api/v1/tests/{second}/attempts"), 409)  # now the wait itself
    assert waiting["rule"] == "retake_wait_days" and "eligible_from" in waiting
