"""Training-needs surveys of external-relations staff: definitions, responses, results by group and unit.

Results never show the answers of a cell, nor of a question within one, that too few people gave to hide who
gave them (learning.survey_suppression).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from statistics import fmean
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from core import audit, clock
from core.accounts import Actor
from core.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from learning import external_relations, organisation
from learning import training_policies as policies
from learning.models import StaffMember, Unit
from learning.survey_suppression import MIN_GROUP_SIZE, WHOLE, suppressed_answers
from learning.training_models import Survey, SurveyAudience, SurveyResponse

QUESTION_TYPES = ("choice", "multi", "scale", "text")
SCALE_LIMIT = 1000  # a scale's ends lie within +-SCALE_LIMIT: a rating, not an amount (its mean must stay a number)


def _check_questions(questions: list[dict[str, Any]]) -> None:
    seen = set()
    for index, question in enumerate(questions):
        where = f"questions.{index}"
        if question["id"] in seen:
            raise RuleViolation(f"question id {question['id']!r} is used twice", field=f"{where}.id")
        seen.add(question["id"])
        if question["type"] in ("choice", "multi") and len(question.get("options") or ()) < 2:
            raise RuleViolation("a choice question offers at least two options", field=f"{where}.options")
        if question["type"] == "scale":
            for end in ("min", "max"):
                if abs(question.get(end, 0)) > SCALE_LIMIT:
                    raise RuleViolation(f"a scale's ends lie from -{SCALE_LIMIT} to {SCALE_LIMIT}",
                                        field=f"{where}.{end}")
            if not question.get("min", 1) < question.get("max", 5):
                raise RuleViolation("a scale runs from min up to a larger max", field=f"{where}.max")


def create_survey(session: Session, *, actor: Actor, title: str, questions: list[dict[str, Any]],
                  target_groups: list[str], description: str = "", audience: str = SurveyAudience.ALL) -> Survey:
    """Define a survey. Raises PermissionDenied, RuleViolation (a question at fault, an unknown audience)."""
    if not policies.can_define_surveys(actor):
        raise PermissionDenied("only HR and admins define surveys")
    _check_questions(questions)
    if audience not in set(SurveyAudience):
        raise RuleViolation(f"unknown audience {audience!r}", field="audience")
    survey = Survey(title=title, description=description, questions=questions, target_groups=target_groups,
                    audience=audience, created_by=actor.id, created_at=clock.now())
    session.add(survey)
    session.flush()
    audit.record(session, actor=actor, action="survey.created", entity_type="survey", entity_id=survey.id)
    return survey


def get_survey(session: Session, survey_id: int) -> Survey:
    """Raises NotFound."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(f"survey {survey_id} does not exist", field="survey_id")
    return survey


def set_survey_open(session: Session, *, actor: Actor, survey_id: int, is_open: bool) -> Survey:
    """Close a survey to further responses, or open it again. Raises PermissionDenied, NotFound."""
    if not policies.can_define_surveys(actor):
        raise PermissionDenied("only HR and admins open and close surveys")
    survey = get_survey(session, survey_id)
    if not policies.can_open_or_close_survey(actor, survey.created_by):
        raise PermissionDenied("HR of a unit opens and closes the surveys it defined; this one is another's, for "
                               "organisation-wide HR or its author")
    survey.is_open = is_open
    audit.record(session, actor=actor, action="survey.opened" if is_open else "survey.closed",
                 entity_type="survey", entity_id=survey.id)
    return survey


def list_surveys(session: Session) -> list[Survey]:
    return list(session.scalars(select(Survey).order_by(Survey.id.desc())))


def _check_answers(survey: Survey, answers: dict[str, Any]) -> None:
    questions = {q["id"]: q for q in survey.questions}
    for key in answers:
        if key not in questions:
            raise RuleViolation(f"the survey has no question {key!r}", field=f"answers.{key}")
    for key, question in questions.items():
        value, where = answers.get(key), f"answers.{key}"
        if value is None:
            if question.get("required", False):
                raise RuleViolation("this question needs an answer", field=where)
            continue
        kind = question["type"]
        options = question.get("options") or []
        if kind == "choice" and value not in options:
            raise RuleViolation(f"choose one of {options}", field=where)
        if kind == "multi" and (not isinstance(value, list) or any(v not in options for v in value)):
            raise RuleViolation(f"choose a list among {options}", field=where)
        if kind == "multi" and len(set(value)) != len(value):  # each option counts once per respondent
            raise RuleViolation("choose each option at most once", field=where)
        if kind == "scale" and (isinstance(value, bool) or not isinstance(value, int)
                                or not question.get("min", 1) <= value <= question.get("max", 5)):
            raise RuleViolation(f"a whole number from {question.get('min', 1)} to {question.get('max', 5)}",
                                field=where)
        if kind == "text" and not isinstance(value, str):
            raise RuleViolation("a text answer", field=where)


def submit_response(session: Session, *, actor: Actor, survey_id: int, target_group: str,
                    answers: dict[str, Any]) -> SurveyResponse:
    """The acting staff member answers a survey, once.

    A survey for external-relations staff takes answers from them only (the rule of targets.yaml).
    Raises NotFound, PermissionDenied (no staff record; not in the survey's audience), RuleViolation, Conflict.
    """
    survey = get_survey(session, survey_id)
    if not survey.is_open:
        raise Conflict("the survey is closed", field="survey_id")
    staff = session.scalar(select(StaffMember).where(StaffMember.user_id == actor.id))
    if staff is None:
        raise PermissionDenied("only staff members answer surveys; your account is not linked to one")
    if (survey.audience == SurveyAudience.EXTERNAL_RELATIONS
            and not external_relations.is_external_relations_staff(session, staff)):
        raise PermissionDenied("this survey is for external-relations staff only, and you are not one (neither "
                               "in an external-relations unit nor marked as external-relations staff)",
                               field="survey_id", reason="not_external_relations_staff")
    if target_group not in survey.target_groups:
        raise RuleViolation(f"the survey is for {survey.target_groups}", field="target_group")
    _check_answers(survey, answers)
    if session.scalar(select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id,
                                                      SurveyResponse.staff_member_id == staff.id)):
        raise Conflict("you have answered this survey already", field="survey_id")
    response = SurveyResponse(survey_id=survey.id, staff_member_id=staff.id, target_group=target_group,
                              unit_id=staff.unit_id, answers=answers, submitted_at=clock.now())
    session.add(response)
    session.flush()
    return response


def _answers(question_id: str, responses: list[Row]) -> list[Any]:
    """The answers given to a question; an optional question left out (missing or null) is no answer."""
    return [value for response in responses if (value := response.answers.get(question_id)) is not None]


def _figures(question: dict[str, Any], values: list[Any]) -> dict[str, Any]:
    """What a question's answers add up to: counts per option, and the mean of a scale (text: nothing)."""
    if question["type"] in ("choice", "multi"):
        counts = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
        return {"counts": {option: counts.get(option, 0) for option in question.get("options", [])}}
    if question["type"] == "scale":
        return {"mean": round(fmean(values), 2) if values else None,
                "counts": {str(k): v for k, v in sorted(Counter(values).items())}}
    return {}


def _summarise(survey: Survey, responses: list[Row], hidden_questions: set[str]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for question in survey.questions:
        values = _answers(question["id"], responses)
        suppressed = question["id"] in hidden_questions
        # How many answered stays, as a cell's number of responses does: who took part is shown, not what they said.
        summary[question["id"]] = {"answered": len(values), "suppressed": suppressed,
                                   **({} if suppressed else _figures(question, values))}
    return summary


def survey_results(session: Session, *, actor: Actor, survey_id: int, unit_id: int | None = None,
                   min_group_size: int = MIN_GROUP_SIZE) -> dict[str, Any]:
    """Counts per option and means for scales: overall, by target group, by unit, by group within unit.

    A cell of fewer than ``min_group_size`` respondents, and the cells hidden with it so that it cannot be
    worked out by subtraction (``suppressed_cells``), keeps its number of responses but not its answers
    (``suppressed``, ``questions`` None). Within a cell shown, a question is decided the same way over the
    people who answered it (``suppressed_answers``): hidden, it keeps ``answered`` but not its counts or mean.
    Asked for one unit, the whole is that unit and the groups are those within it; everything is decided over
    the whole survey, whatever the view. Unit-scoped HR must ask for its own unit or one below it.
    Raises NotFound, PermissionDenied.
    """
    survey = get_survey(session, survey_id)
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id} does not exist", field="unit_id")
    above = organisation.ancestors_that_matter(session, actor, unit_id) if unit_id is not None else ()
    if not policies.can_read_survey_results(actor, unit_id, ancestor_ids=above):
        raise PermissionDenied("HR of one unit reads the results of that unit or of a unit below it, one at a "
                               "time (give unit_id)", field="unit_id")
    # Every response counts towards the decisions, whatever the view; these three columns are all they need.
    everyone = list(session.execute(
        select(SurveyResponse.unit_id, SurveyResponse.target_group, SurveyResponse.answers)
        .where(SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.id)))
    by_cell: dict[tuple[int, str], list[Row]] = defaultdict(list)
    for response in everyone:
        by_cell[response.unit_id, response.target_group].append(response)
    hidden, hidden_answers = suppressed_answers(
        {cell: len(rs) for cell, rs in by_cell.items()},
        {q["id"]: {cell: len(_answers(q["id"], rs)) for cell, rs in by_cell.items()} for q in survey.questions},
        min_group_size)
    responses = everyone if unit_id is None else [r for r in everyone if r.unit_id == unit_id]
    by_group: dict[str, list[Row]] = defaultdict(list)
    by_unit: dict[int, list[Row]] = defaultdict(list)
    for response in responses:
        by_group[response.target_group].append(response)
        by_unit[response.unit_id].append(response)

    def cell(key: tuple, rs: list[Row]) -> dict[str, Any]:
        suppressed = key in hidden
        return {"responses": len(rs), "suppressed": suppressed,
                "questions": None if suppressed else _summarise(
                    survey, rs, {question for question, cells in hidden_answers.items() if key in cells})}

    whole = cell(WHOLE if unit_id is None else ("unit", unit_id), responses)
    return {
        "survey_id": survey.id, "min_group_size": min_group_size, "responses": whole["responses"],
        "suppressed": whole["suppressed"], "overall": whole["questions"],
        "by_target_group": [{"target_group": group,
                             **cell(("group", group) if unit_id is None else ("cell", unit_id, group), rs)}
                            for group, rs in sorted(by_group.items())],
        "by_unit": [{"unit_id": unit, **cell(("unit", unit), rs),
                     "by_target_group": {g: len([r for r in rs if r.target_group == g])
                                         for g in sorted({r.target_group for r in rs})}}
                    for unit, rs in sorted(by_unit.items())],
    }
