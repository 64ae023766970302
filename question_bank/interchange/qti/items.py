"""One QTI assessment item (2.x or 3.0, already renamed) read into LevelPath's item model.

The stem is the item body without its interaction: a block interaction (choice, order, match,
extended text, upload) is replaced by its prompt, so the prompt leads into the options; gap
interactions become ``{{RESPONSE_ID}}`` markers; a lone answer box becomes a short answer and leaves
the stem. Everything the model cannot carry is either a note on the item or an ``Unsupported``.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from core.errors import RuleViolation
from question_bank import item_types
from question_bank.interchange.model import strings_in, ImportedItem, ImportedStimulus, Unsupported, whole_number
from question_bank.interchange.qti import interactions as mapping
from question_bank.interchange.qti.documents import (
    Document,
    NotQti,
    collect_media,
    load,
    relative,
    sibling_source,
)
from question_bank.interchange.qti.extension import Metadata, restore_defaults
from question_bank.interchange.qti.html import Serialiser, to_fragment, unwrap_single_paragraph
from question_bank.interchange.qti.names import child, children, describe, is_interaction
from question_bank.interchange.qti.scoring import (
    declared_points,
    read_declarations,
    read_processing,
)
from question_bank.interchange.safety import UnsafeInput

GAP_KINDS = ("qti-text-entry-interaction", "qti-inline-choice-interaction")
NOT_IN_LEVELPATH = {
    "qti-hottext-interaction": "selecting words in a text (hottext)",
    "qti-gap-match-interaction": "dragging words into gaps (gap match)",
    "qti-associate-interaction": "free pairing of choices (associate)",
    "qti-select-point-interaction": "pointing at a place in an image (select point)",
    "qti-hotspot-interaction": "choosing areas of an image (hotspot)",
    "qti-graphic-order-interaction": "ordering areas of an image (graphic order)",
    "qti-graphic-associate-interaction": "pairing areas of an image (graphic associate)",
    "qti-graphic-gap-match-interaction": "dragging labels onto an image (graphic gap match)",
    "qti-position-object-interaction": "placing objects on an image (position object)",
    "qti-slider-interaction": "choosing a number on a slider",
    "qti-drawing-interaction": "drawing on a canvas",
    "qti-custom-interaction": "custom interactions",
    "qti-portable-custom-interaction": "portable custom interactions (PCI)",
    "qti-end-attempt-interaction": "ending an attempt early",
}
HIDDEN = ("qti-feedback-block", "qti-feedback-inline", "qti-modal-feedback", "qti-template-block",
          "qti-template-inline")
PRUNABLE = ("div", "p", "span")
_INLINE = frozenset({"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "dfn", "em", "i", "img", "kbd", "label",
                     "q", "ruby", "samp", "small", "span", "strong", "sub", "sup", "u", "var", "audio", "video"})


def _parents(root: Element) -> dict[Element, Element]:
    return {node: parent for parent in root.iter() for node in parent}


def _append_text(parent: Element, index: int, text: str) -> None:
    if not text:
        return
    if index > 0:
        parent[index - 1].tail = (parent[index - 1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _replace(parent: Element, node: Element, nodes: list[Element], text: str = "") -> None:
    """Put ``text`` and ``nodes`` where ``node`` was, keeping the text that followed it."""
    index = list(parent).index(node)
    parent.remove(node)
    _append_text(parent, index, text)
    for offset, new in enumerate(nodes):
        parent.insert(index + offset, new)
    if nodes:
        nodes[-1].tail = (nodes[-1].tail or "") + (node.tail or "")
    else:
        _append_text(parent, index, node.tail or "")


def _unwrap(parent: Element, node: Element) -> None:
    _replace(parent, node, list(node), node.text or "")


def _prune(parents: dict[Element, Element], node: Element, stop: Element) -> None:
    """Remove wrappers a removed interaction left empty (``<div id="mc"></div>``)."""
    while node is not stop and node.tag in PRUNABLE and not len(node) and not (node.text or "").strip():
        parent = parents.get(node)
        if parent is None:
            return
        _replace(parent, node, [])
        node = parent


def _text_around(parent: Element, node: Element) -> tuple[str, str]:
    before, after, seen = [parent.text or ""], [node.tail or ""], False
    for sibling in parent:
        if sibling is node:
            seen = True
            continue
        (after if seen else before).append("".join(sibling.itertext()) + (sibling.tail or ""))
    return "".join(before).strip(), "".join(after).strip()


def _is_answer_box(parents: dict[Element, Element], interaction: Element) -> bool:
    """One text entry in an answer box (``p.lp-answer``) or standing alone in its block, at most
    after a label ("Answer:"); an entry inside running text is a gap.
    """
    parent = parents.get(interaction)
    if parent is None:
        return False
    if "lp-answer" in _classes(parent):
        return True
    before, after = _text_around(parent, interaction)
    return not after and (not before or before.endswith(":"))


def _prompt(interaction: Element) -> list[Element]:
    prompt = child(interaction, "qti-prompt")
    if prompt is None or (not len(prompt) and not (prompt.text or "").strip()):
        return []
    block = Element("p" if all(node.tag in _INLINE for node in prompt) else "div")
    block.text = prompt.text
    block.extend(list(prompt))
    return [block]


def _classes(node: Element) -> list[str]:
    return (node.get("class") or "").split()


class ItemReader:
    """Reads one renamed item document; ``read`` returns an ImportedItem or an Unsupported."""

    def __init__(self, document: Document, metadata: Metadata | None) -> None:
        self.document = document
        self.root = document.root
        self.metadata = metadata
        self.identifier = (self.root.get("identifier") or "").strip() or None
        self.serialiser = Serialiser()
        self.notes: list[str] = []
        self.levelpath = False

    def unsupported(self, reason: str, type_name: str | None = None) -> Unsupported:
        return Unsupported(source=self.document.source, identifier=self.identifier, type=type_name, reason=reason)

    def name(self, element: Element) -> str:
        return describe(element, self.document.version)

    def render(self, element: Element) -> str:
        fragment = to_fragment(self.serialiser.inner(element), preserve_space=self.levelpath)
        return fragment if self.levelpath else unwrap_single_paragraph(fragment)

    def read(self) -> ImportedItem | Unsupported:
        root = self.root
        if child(root, "qti-template-declaration") is not None:
            return self.unsupported("template variables (a cloned item) are not supported: LevelPath items are fixed")
        body = child(root, "qti-item-body")
        if body is None:
            return self.unsupported("no item body")
        self._hide(body)
        stem_box = next((node for node in body.iter("div") if "lp-stem" in _classes(node)), None)
        hint = (stem_box.get("data-lp-type") if stem_box is not None else None) or \
            (self.metadata.type if self.metadata else None)
        self.levelpath = stem_box is not None and bool(stem_box.get("data-lp-type"))
        found = [node for node in body.iter() if isinstance(node.tag, str) and is_interaction(node.tag)]
        main = [node for node in found if node.tag != "qti-media-interaction"]
        players = [node for node in found if node.tag == "qti-media-interaction"]
        problem = self._check(found, main)
        if problem is not None:
            return self.unsupported(problem)
        parents = _parents(body)
        context = mapping.Context(version=self.document.version, declarations=read_declarations(root),
                                  rules=read_processing(root), render=self.render, hint=hint,
                                  levelpath=self.levelpath)
        ids = mapping.Identifiers()
        kind = main[0].tag
        short = kind == "qti-text-entry-interaction" and len(main) == 1 and hint != "gap_fill" and \
            (hint == "short_answer" or _is_answer_box(parents, main[0]))
        try:
            type_name, content, scoring = self._map(context, kind, main, ids, short=short)
        except mapping.NotCarried as error:
            return self.unsupported(str(error))
        stem = self._stem(body, main, players, ids, short=short, stem_box=stem_box)
        content = {"stem": stem, **content}
        points = declared_points(root)
        if points is not None and points != 1:
            scoring["points"] = points
        if self.levelpath and stem_box is not None:
            restore_defaults(content, scoring, stem_box.get("data-lp-defaults") or "", type_name)
        stimulus = self._stimulus()  # before validating: a hostile stimulus refuses the item whatever else
        try:
            item_types.get(type_name).validate(content, scoring)
        except RuleViolation as error:
            details = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in (error.errors or {}).items())
            return self.unsupported(f"does not make a valid {type_name} item: {details or error.detail}", type_name)
        notes = self.document.notes + context.notes + self.serialiser.notes + self.notes
        media = collect_media(strings_in(content), self.document.resolve, notes)
        return ImportedItem(source=self.document.source, identifier=self.identifier, type=type_name, content=content,
                            scoring=scoring, title=(root.get("title") or "").strip(), language=self._language(body),
                            stimulus=stimulus, media=media, notes=tuple(dict.fromkeys(notes)))

    def _check(self, found: list[Element], main: list[Element]) -> str | None:
        if not found:
            return "no interaction: an information page, not a question"
        if not main:
            return f"{self.name(found[0])} is the only interaction: LevelPath has no item type that only plays media"
        kinds = list(dict.fromkeys(node.tag for node in main))
        if len(kinds) > 1:
            names = ", ".join(self.name(node) for node in {node.tag: node for node in main}.values())
            return f"several different interactions in one item ({names}): a LevelPath item has one kind of response"
        first = main[0]
        if first.tag not in mapping.SUPPORTED:
            response = first.get("response-identifier")
            named = f"{self.name(first)}" + (f" (response {response})" if response else "")
            why = NOT_IN_LEVELPATH.get(first.tag)
            return f"{named} is not supported: " + (f"LevelPath has no item type for {why}" if why else
                                                    "LevelPath does not know this interaction")
        if len(main) > 1 and first.tag not in GAP_KINDS:
            return f"{len(main)} {self.name(first)} elements in one item: a LevelPath item asks one question"
        return None

    def _map(self, context: mapping.Context, kind: str, main: list[Element], ids: mapping.Identifiers, *,
             short: bool) -> tuple[str, dict[str, Any], dict[str, Any]]:
        if kind == "qti-choice-interaction":
            return mapping.map_choice(context, main[0])
        if kind == "qti-order-interaction":
            return mapping.map_order(context, main[0])
        if kind == "qti-match-interaction":
            return mapping.map_match(context, main[0])
        if kind == "qti-text-entry-interaction":
            return mapping.map_text_entries(context, main, ids, short=short)
        if kind == "qti-inline-choice-interaction":
            return mapping.map_inline_choices(context, main, ids)
        if kind == "qti-extended-text-interaction":
            return mapping.map_extended_text(context, main[0], self.root)
        return mapping.map_upload(context, main[0], self.root)

    def _hide(self, body: Element) -> None:
        """Drop feedback and template content: LevelPath shows candidates no per-answer feedback."""
        parents = _parents(body)
        for node in [node for node in body.iter() if node.tag in HIDDEN]:
            if "".join(node.itertext()).strip():
                self.notes.append("feedback is not carried: LevelPath shows no per-answer feedback")
            parent = parents.get(node)
            if parent is not None and node in list(parent):
                _replace(parent, node, [])

    def _stem(self, body: Element, main: list[Element], players: list[Element], ids: mapping.Identifiers, *,
              short: bool, stem_box: Element | None) -> str:
        parents = _parents(body)
        for node in list(body.iter()):
            parent = parents.get(node)
            if parent is None or node not in list(parent):
                continue
            if node.tag == "qti-rubric-block":
                if "candidate" in (node.get("view") or "candidate"):
                    node.tag = "div"
                    node.attrib.clear()
                else:
                    _replace(parent, node, [])
            elif node.get("data-stimulus-idref") or "qti-shared-stimulus" in _classes(node):
                _replace(parent, node, [])  # the stimulus travels on its own
        parents = _parents(body)
        for player in players:
            _replace(parents[player], player, _prompt(player) + [n for n in player if n.tag != "qti-prompt"],
                     player.text or "")
        for interaction in main:
            parent = parents[interaction]
            if interaction.tag in GAP_KINDS and not short:
                gap = ids(interaction.get("response-identifier") or "")
                _replace(parent, interaction, [], "{{" + gap + "}}")
            elif short:
                _replace(parent, interaction, [])
                label = "".join(parent.itertext()).strip()
                grand = parents.get(parent)
                media = any(node.tag in ("img", "audio", "video", "object") for node in parent.iter())
                if grand is not None and parent is not stem_box and not media and (not label or label.endswith(":")):
                    _replace(grand, parent, [])
                    _prune(parents, grand, body)
                else:
                    _prune(parents, parent, body)
            else:
                _replace(parent, interaction, _prompt(interaction))
                _prune(parents, parent, body)
        if stem_box is not None and stem_box in parents:
            _unwrap(parents[stem_box], stem_box)
        return to_fragment(self.serialiser.inner(body), preserve_space=self.levelpath)

    def _language(self, body: Element) -> str:
        language = (self.root.get("xml:lang") or body.get("xml:lang") or "en").strip() or "en"
        return language if len(language) <= 8 else language.split("-")[0][:8]

    def _stimulus(self) -> ImportedStimulus | None:
        references = list(children(self.root, "qti-assessment-stimulus-ref"))
        if len(references) > 1:
            self.notes.append(f"{len(references)} stimuli are referenced; LevelPath attaches only the first")
        for reference in references[:1]:
            href = (reference.get("href") or "").strip()
            data = self.document.resolve(href) if href else None
            if data is None:
                self.notes.append(f"stimulus {reference.get('identifier') or href!r} ({href}) is missing from the "
                                  "source; imported without it")
                return None
            try:
                document = load(sibling_source(self.document.source, href), data, relative(self.document.resolve, href))
            except UnsafeInput:
                raise
            except (NotQti, ValueError) as error:
                self.notes.append(f"stimulus {href}: {error}; imported without it")
                return None
            if document.kind != "assessment-stimulus":
                self.notes.append(f"stimulus {href} is a <{document.root.tag}>, not an assessment stimulus")
                return None
            return read_stimulus(document, self.notes, fallback_identifier=reference.get("identifier"))
        return None


def read_stimulus(document: Document, notes: list[str], *, fallback_identifier: str | None = None
                  ) -> ImportedStimulus:
    root = document.root
    body = child(root, "qti-stimulus-body")
    if body is None:
        body = Element("div")
    box = next((node for node in body.iter("div") if "lp-stimulus" in _classes(node)), None)
    serialiser = Serialiser()
    html = serialiser.inner(box if box is not None else body)
    fragment = to_fragment(html, preserve_space=box is not None)
    notes.extend(document.notes + serialiser.notes)
    media = collect_media([fragment], document.resolve, notes)
    identifier = (root.get("identifier") or fallback_identifier or "").strip()
    return ImportedStimulus(identifier=identifier, title=(root.get("title") or "").strip(), body=fragment, media=media,
                            max_plays=_max_plays(box if box is not None else body),
                            language=(root.get(XML_LANG) or root.get("lang") or "en").split("-")[0].lower())


XML_LANG = "xml:lang"  # as names.rename spells it


def _max_plays(container: Element) -> int | None:
    """LevelPath's play limit: on the stimulus box, or the strictest one on its recordings."""
    limits = [container.get("data-lp-max-plays")] + [node.get("data-lp-max-plays") for node in container.iter()]
    numbers = [number for number in map(whole_number, limits) if number]
    return min(numbers) if numbers else None


def read_item(document: Document, metadata: Metadata | None = None) -> ImportedItem | Unsupported:
    """An item document as a LevelPath item, or the reason it cannot be one."""
    return ItemReader(document, metadata).read()
