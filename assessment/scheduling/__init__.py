"""Test sessions: when and where a test is sat, who is registered, and who may sit it.

``models`` holds sessions, registrations and a test's admission rules; ``services`` schedules and
registers; ``admission`` is the check ``assessment.services.start_attempt`` calls before an attempt
begins.

The rules, as chosen:

- A test with any session (even a cancelled one), or whose rules say ``requires_registration``, is
  sat in sessions only: an attempt needs a registration in a session whose window
  [opens_at, closes_at) contains the server's clock. The attempt records the session, ends when the
  session closes at the latest, and uses up the registration (``attended``: one attempt per seat).
  A test without sessions or rules admits candidates exactly as before.
- Test administrators schedule, resize and cancel sessions and register anyone, in bulk and all or
  none, until the session closes; after that a session is a record and changes to it are refused
  (409 naming ``closes_at``). Candidates register themselves only where the test's rules say
  ``self_registration``, before ``registration_closes_at`` (default: the opening), and may cancel
  their own registration until the session opens.
- Seats: a session's row is locked while registering (PostgreSQL), so concurrent registrations take
  turns and never exceed its capacity; one row per candidate and session (a cancelled one is
  reactivated); a candidate cannot hold seats in two sessions whose windows overlap, of any test.
- Eligibility, checked at registration (as of the session's opening) and again at the start (as of
  now): ``max_attempts`` counts the candidate's attempts at this test; ``retake_wait_days`` counts
  from their last finished attempt at this test, or with ``retake_scope = "purpose"`` at any test of
  the same purpose (e.g. any certification test). Refusals are 409 problems naming the rule and,
  for the wait, the moment the candidate becomes eligible.
"""
