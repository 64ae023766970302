"""Writing LevelPath scoring as QTI 3 response declarations and response processing.

Standard templates are used where they score exactly as LevelPath does (match_correct when an item
is worth 1 point, map_response for partial credit on multiple response and matching: right choices
or pairs earn points/n, wrong ones cost points/n, bounded to 0..points). Elsewhere the rules are
written out in QTI so any QTI player scores as LevelPath does: ordering and inline choice count
right positions or gaps; typed answers use a mapping for literal answers and qti-pattern-match for
``*`` wildcards; items worth more than 1 point scale their score. A gap item scored by a table counts
its gaps right into RIGHT_GAPS and looks SCORE up in SCORE's interpolation table.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement

from question_bank.interchange.qti.scoring import glob_to_pattern

TEMPLATES = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"
RIGHT_GAPS = "RAW_SCORE"  # the name QTI authoring tools give the count (Citolab's items, for one)


def number(value: float | int) -> str:
    """A number as written in QTI, keeping int or float as the item states it (1 vs 1.0)."""
    return repr(value) if isinstance(value, float) else str(int(value))


def _value(parent: Element, text: str) -> Element:
    node = SubElement(parent, "qti-value")
    node.text = text
    return node


def declare(root: Element, identifier: str, cardinality: str, base_type: str, correct: list[str] | None = None
            ) -> Element:
    declaration = SubElement(root, "qti-response-declaration", {"identifier": identifier,
                                                                 "cardinality": cardinality, "base-type": base_type})
    if correct:
        node = SubElement(declaration, "qti-correct-response")
        for value in correct:
            _value(node, value)
    return declaration


def mapping(declaration: Element, entries: list[tuple[str, float | int]], *, default: float | int = 0,
            lower: float | int | None = None, upper: float | int | None = None,
            case_sensitive: bool | None = None) -> None:
    attributes = {"default-value": number(default)}
    if lower is not None:
        attributes["lower-bound"] = number(lower)
    if upper is not None:
        attributes["upper-bound"] = number(upper)
    node = SubElement(declaration, "qti-mapping", attributes)
    for key, value in entries:
        entry = {"map-key": key, "mapped-value": number(value)}
        if case_sensitive is not None:
            entry["case-sensitive"] = "true" if case_sensitive else "false"
        SubElement(node, "qti-map-entry", entry)


def outcome(root: Element, identifier: str, default: float | int | None = 0, *, base_type: str = "float",
            **attributes: str) -> Element:
    node = SubElement(root, "qti-outcome-declaration", {"identifier": identifier, "cardinality": "single",
                                                        "base-type": base_type, **attributes})
    if default is not None:
        _value(SubElement(node, "qti-default-value"), number(default))
    return node


def interpolation_table(declaration: Element, table: list[float | int]) -> None:
    """``table[k]`` points for k gaps right, as entries from all gaps down to none (the first that fits wins)."""
    node = SubElement(declaration, "qti-interpolation-table")
    for right in range(len(table) - 1, -1, -1):
        SubElement(node, "qti-interpolation-table-entry", {"source-value": str(right),
                                                            "target-value": number(table[right])})


def _base(parent: Element, value: str, base_type: str = "float") -> Element:
    node = SubElement(parent, "qti-base-value", {"base-type": base_type})
    node.text = value
    return node


def _set(parent: Element, identifier: str) -> Element:
    return SubElement(parent, "qti-set-outcome-value", {"identifier": identifier})


def _set_score(parent: Element, value: float | int) -> None:
    _base(_set(parent, "SCORE"), number(value))


def _if_else(processing: Element) -> tuple[Element, Element]:
    """A condition whose if branch sets SCORE to the full points and whose else sets it to 0."""
    condition = SubElement(processing, "qti-response-condition")
    return SubElement(condition, "qti-response-if"), SubElement(condition, "qti-response-else")


def template(root: Element, name: str) -> None:
    SubElement(root, "qti-response-processing", {"template": f"{TEMPLATES}{name}.xml"})


def match_correct(root: Element, points: float | int, responses: list[str]) -> None:
    """Full points when every response matches its correct response, else 0."""
    if points == 1 and responses == ["RESPONSE"]:
        template(root, "match_correct")
        return
    branch, otherwise = _if_else(SubElement(root, "qti-response-processing"))
    test = SubElement(branch, "qti-and") if len(responses) > 1 else branch
    for response in responses:
        match = SubElement(test, "qti-match")
        SubElement(match, "qti-variable", {"identifier": response})
        SubElement(match, "qti-correct", {"identifier": response})
    _set_score(branch, points)
    _set_score(otherwise, 0)


def count_matches(root: Element, points: float | int, checks: list[tuple[Element, str, str]]) -> None:
    """SCORE grows by points/n for each of n checks (an expression equal to a value) that holds."""
    processing = SubElement(root, "qti-response-processing")
    _set_score(processing, 0)
    for expression, value, base_type in checks:
        branch = SubElement(SubElement(processing, "qti-response-condition"), "qti-response-if")
        branch.append(matches(expression, value, base_type))
        total = SubElement(_set(branch, "SCORE"), "qti-sum")
        SubElement(total, "qti-variable", {"identifier": "SCORE"})
        _base(total, repr(points / len(checks)))


def count_into_table(root: Element, checks: list[Element]) -> None:
    """RIGHT_GAPS grows by 1 for each check (one per gap) that holds; SCORE is then looked up in its table."""
    processing = SubElement(root, "qti-response-processing")
    for check in checks:
        branch = SubElement(SubElement(processing, "qti-response-condition"), "qti-response-if")
        branch.append(check)
        total = SubElement(_set(branch, RIGHT_GAPS), "qti-sum")
        SubElement(total, "qti-variable", {"identifier": RIGHT_GAPS})
        _base(total, "1", "integer")
    lookup = SubElement(processing, "qti-lookup-outcome-value", {"identifier": "SCORE"})
    SubElement(lookup, "qti-variable", {"identifier": RIGHT_GAPS})


def matches(expression: Element, value: str, base_type: str) -> Element:
    match = Element("qti-match")
    match.append(expression)
    _base(match, value, base_type)
    return match


def typed_right(response: str, accepted: list[tuple[str, Any]], case_sensitive: bool) -> Element:
    """A test that holds when a typed response is right: a mapped answer worth 1, or a wildcard pattern."""
    literal, wild = split_answers(accepted)
    tests = []
    if literal:
        check = Element("qti-gte")
        SubElement(check, "qti-map-response", {"identifier": response})
        _base(check, "1")
        tests.append(check)
    for text, _share in wild:
        pattern = Element("qti-pattern-match", {"pattern": glob_to_pattern(text, case_sensitive=case_sensitive)})
        SubElement(pattern, "qti-variable", {"identifier": response})
        tests.append(pattern)
    if len(tests) == 1:
        return tests[0]
    either = Element("qti-or")
    either.extend(tests)
    return either


def position(response: str, index: int) -> Element:
    node = Element("qti-index", {"n": str(index)})
    SubElement(node, "qti-variable", {"identifier": response})
    return node


def variable(response: str) -> Element:
    return Element("qti-variable", {"identifier": response})


def split_answers(accepted: list[tuple[str, Any]]) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """(literal answers, wildcard answers), each with its share of the marks."""
    literal = [(text, share) for text, share in accepted if "*" not in text]
    return literal, [(text, share) for text, share in accepted if "*" in text]


def typed_answers(root: Element, responses: list[tuple[str, list[tuple[str, Any]], bool]]) -> None:
    """Declare string responses: literal answers in a mapping (value = share), wildcards later."""
    for response, accepted, case_sensitive in responses:
        literal, _wild = split_answers(accepted)
        full = [text for text, share in literal if share == 1]
        declaration = declare(root, response, "single", "string", full[:1])
        if literal:
            mapping(declaration, literal, case_sensitive=case_sensitive)


def typed_processing(root: Element, points: float | int, responses: list[tuple[str, list[tuple[str, Any]], bool]],
                     *, partial: bool) -> None:
    """Score typed responses: per response its best share (mapping or wildcard); then the sum scaled
    to points (partial) or the points when every response earns a full share (all or nothing).
    """
    processing = SubElement(root, "qti-response-processing")
    shares: list[Element] = []
    for response, accepted, case_sensitive in responses:
        literal, wild = split_answers(accepted)
        if not wild:
            shares.append(Element("qti-map-response", {"identifier": response}))
            continue
        holder = f"LP_{response}"
        if literal:
            SubElement(_set(processing, holder), "qti-map-response", {"identifier": response})
        else:
            _base(_set(processing, holder), "0")
        for text, share in wild:
            branch = SubElement(SubElement(processing, "qti-response-condition"), "qti-response-if")
            test = SubElement(branch, "qti-and")
            SubElement(SubElement(test, "qti-pattern-match", {"pattern": glob_to_pattern(
                text, case_sensitive=case_sensitive)}), "qti-variable", {"identifier": response})
            lower = SubElement(test, "qti-lt")
            SubElement(lower, "qti-variable", {"identifier": holder})
            _base(lower, number(share))
            _base(_set(branch, holder), number(share))
        shares.append(variable(holder))
    if partial:
        product = SubElement(_set(processing, "SCORE"), "qti-product")
        total = SubElement(product, "qti-sum")
        total.extend(shares)
        _base(product, repr(points / len(responses)) if len(responses) > 1 else number(points))
        return
    branch, otherwise = _if_else(processing)
    test = SubElement(branch, "qti-and")
    for share in shares:
        check = SubElement(test, "qti-gte")
        check.append(share)
        _base(check, "1")
    _set_score(branch, points)
    _set_score(otherwise, 0)


def holders(responses: list[tuple[str, list[tuple[str, Any]], bool]]) -> list[str]:
    """Outcomes the typed processing keeps a response's share in (one per response with wildcards)."""
    return [f"LP_{response}" for response, accepted, _ in responses if split_answers(accepted)[1]]
