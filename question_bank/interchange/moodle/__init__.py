"""Moodle XML in and out: every Moodle question type LevelPath can carry, and a precise reason for the rest."""

from __future__ import annotations

from question_bank.interchange.moodle.levelpath import CannotWrite
from question_bank.interchange.moodle.reader import read_moodle_xml
from question_bank.interchange.moodle.writer import write_moodle_xml, write_moodle_xml_skipping

__all__ = ["CannotWrite", "read_moodle_xml", "write_moodle_xml", "write_moodle_xml_skipping"]
