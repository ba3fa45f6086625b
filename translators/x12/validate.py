"""Validation of one X12 transaction set against the structure tables, in the same single pass the map
reads it: ``SetValidator.wrap`` yields the segments unchanged and records located errors (AK3/IK3 segment
codes, AK4/IK4 element codes) as it goes; ``finish`` adds the mandatory-segment checks."""

from __future__ import annotations

import datetime as dt
import operator
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

from translators.errors import ElementError, SegmentError, TranslatorError
from translators.x12 import codes
from translators.x12.envelope import SetHeader
from translators.x12.tables import SEGMENT_RULES, SET_RULES, ElementRule, SetRules

MAX_ERRORS_PER_SET = 1000
MAX_CLEAN_SEGMENTS = 4096
TEXT_TYPES = frozenset({"AN", "ID"})
NUMERIC_TYPES = frozenset({"N0", "N2", "R"})
DATE_CACHE_SIZE = 4096
MAX_KNOWN_VALUES = 1024
UNCHECKED = "unchecked"


def _check_numeric(value: str, kind: str) -> str | None:
    digits = value[1:] if value[0] == "-" else value
    if kind == "R":
        whole, _, fraction = digits.partition(".")
        ok = (whole.isdigit() or (not whole and bool(fraction))) and (not fraction or fraction.isdigit())
    else:
        ok = digits.isdigit()
    return None if ok and digits.isascii() else codes.ELEMENT_INVALID_CHARACTER


@lru_cache(maxsize=DATE_CACHE_SIZE)
def _check_date(value: str) -> str | None:
    if not value.isdigit() or len(value) not in (6, 8):
        return codes.ELEMENT_INVALID_DATE
    try:
        if len(value) == 8:
            dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        else:
            dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        return codes.ELEMENT_INVALID_DATE
    return None


def _check_time(value: str) -> str | None:
    if not value.isdigit() or len(value) < 4 or int(value[:2]) > 23 or int(value[2:4]) > 59:
        return codes.ELEMENT_INVALID_TIME
    if len(value) >= 6 and int(value[4:6]) > 59:
        return codes.ELEMENT_INVALID_TIME
    return None


def _check_length(length: int, rule: ElementRule) -> str | None:
    if length < rule.min_length:
        return codes.ELEMENT_TOO_SHORT
    return codes.ELEMENT_TOO_LONG if length > rule.max_length else None


def _check_number(value: str, rule: ElementRule) -> str | None:
    if value.isdigit() and value.isascii():
        return _check_length(len(value), rule)
    return _check_numeric(value, rule.type) or _check_length(
        len(value) - value.count("-") - value.count("."), rule
    )


def check_element(value: str, rule: ElementRule) -> str | None:
    """The AK4/IK4 code of what is wrong with ``value``, or None."""
    if not value:
        return codes.ELEMENT_MANDATORY_MISSING if rule.required else None
    kind = rule.type
    if kind == "DT":
        return _check_date(value)
    if kind == "TM":
        return _check_time(value)
    if kind in NUMERIC_TYPES:
        return _check_number(value, rule)
    if rule.codes is not None and value not in rule.codes:
        return codes.ELEMENT_INVALID_CODE
    return _check_length(len(value), rule)


def _check_new(value: str, rule: ElementRule, known: dict[str, str | None]) -> str | None:
    """``check_element``, remembered in ``known`` (the element's values checked before)."""
    code = check_element(value, rule)
    if len(known) >= MAX_KNOWN_VALUES:
        known.clear()
    known[value] = code
    return code


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """The element rules of one segment as flat tuples for the per-segment loop: ``(index, required,
    plain text, min, max, rule, known)``, and the highest index a missing element can still be an error
    at. ``known`` holds the ``check_element`` code of values of that element checked before (bounded)."""

    checks: tuple[tuple[int, bool, bool, int, int, ElementRule, dict[str, str | None]], ...]
    last_required: int

    @classmethod
    def of(cls, rules: tuple[ElementRule, ...]) -> CompiledRules:
        checks = tuple(
            (r.index, r.required, plain, r.min_length, r.max_length, r, known)
            for r in rules
            for plain, known in [(r.type in TEXT_TYPES and r.codes is None, dict[str, str | None]())]
        )
        return cls(checks, max((r.index for r in rules if r.required), default=0))


COMPILED_RULES: dict[str, CompiledRules] = {tag: CompiledRules.of(r) for tag, r in SEGMENT_RULES.items()}


class SetValidator:
    """Checks one set; errors accumulate in ``errors`` (capped so a hostile file cannot exhaust memory).

    ``wrap`` checks segment by segment as they are pulled; ``wrap_runs`` checks a whole run of segments
    before handing its segments on (mostly C-level loops), and ``finish`` takes back what it checked of
    a run the reader did not pull to the end, so both report exactly the segments the reader read.
    """

    def __init__(self, header: SetHeader) -> None:
        self.header = header
        self.rules: SetRules | None = SET_RULES.get(header.set_id)
        self.errors: list[TranslatorError] = []
        self.seen: Counter[str] = Counter()
        self.position = 1
        self.clean: set[tuple[str, ...]] = set()
        self._open: tuple[list[list[str]], Iterator[list[str]], tuple[int, dict[str, int], int]] | None = None

    def wrap(self, segments: Iterator[list[str]]) -> Iterator[list[str]]:
        """Yields ``segments`` unchanged while checking them. A segment equal to one found clean earlier
        in the set is not checked again (element errors depend on the elements only)."""
        seen, clean = self.seen, self.clean
        for segment in segments:
            self.position += 1
            tag = segment[0]
            seen[tag] += 1
            key = tuple(segment)
            if key not in clean:
                self._check(segment, key, self.position)
            yield segment

    def wrap_runs(self, runs: Iterator[list[list[str]]]) -> Iterator[list[str]]:
        """The segments of ``runs``, each run checked as a whole before its first segment is handed on."""
        for run in runs:
            mark = (len(self.errors), dict(self.seen), self.position)
            self._check_run(run)
            segments = iter(run)
            self._open = (run, segments, mark)
            yield from segments
        self._open = None

    def _check_run(self, run: list[list[str]]) -> None:
        start = self.position
        self.position = start + len(run)
        self.seen.update([segment[0] for segment in run])
        clean = self.clean
        keys = list(map(tuple, run))
        for index in [i for i, key in enumerate(keys) if key not in clean]:
            self._check(run[index], keys[index], start + index + 1)

    def _take_back_unread(self) -> None:
        """Forget the checks of the segments of the last run the reader did not pull, as ``wrap`` would
        never have made them."""
        if self._open is None:
            return
        run, segments, (errors, seen, position) = self._open
        self._open = None
        read = len(run) - operator.length_hint(segments)
        if read < len(run):
            del self.errors[errors:]
            self.seen.clear()
            self.seen.update(seen)
            self.position = position
            self.clean.clear()
            self._check_run(run[:read])

    def _check(self, segment: list[str], key: tuple[str, ...], position: int) -> None:
        """Every check of the segment at ``position``; a segment found clean is remembered."""
        tag = segment[0]
        rules = COMPILED_RULES.get(tag)
        if rules is not None:
            errors, clean = self.errors, self.clean
            found = len(errors)
            self._check_elements(segment, rules, position)
            if len(errors) == found:
                if len(clean) >= MAX_CLEAN_SEGMENTS:
                    clean.clear()
                clean.add(key)
        elif not (2 <= len(tag) <= 3 and tag.isalnum() and tag.isupper()):
            message = f"unrecognized segment id {tag[:8]!r}"
            self._segment_error(tag, codes.SEGMENT_UNRECOGNIZED, message, position)
        if position == 2 and self.rules and tag != self.rules.first:
            message = f"set must start with {self.rules.first}"
            self._segment_error(tag, codes.SEGMENT_OUT_OF_SEQUENCE, message, position)

    def _check_elements(self, segment: list[str], rules: CompiledRules, position: int) -> None:
        count, last_required = len(segment), rules.last_required
        for index, required, plain, low, high, rule, known in rules.checks:
            if index >= count:
                if index > last_required:
                    return
                if required:
                    self._element_error(segment[0], index, codes.ELEMENT_MANDATORY_MISSING, "", position)
                continue
            value = segment[index]
            if not value:
                if required:
                    self._element_error(segment[0], index, codes.ELEMENT_MANDATORY_MISSING, value, position)
            elif plain:
                length = len(value)
                if length < low:
                    self._element_error(segment[0], index, codes.ELEMENT_TOO_SHORT, value, position)
                elif length > high:
                    self._element_error(segment[0], index, codes.ELEMENT_TOO_LONG, value, position)
            else:
                code = known.get(value, UNCHECKED)
                if code is UNCHECKED:
                    code = _check_new(value, rule, known)
                if code is not None:
                    self._element_error(segment[0], index, code, value, position)

    def _element_error(self, tag: str, index: int, code: str, value: str, position: int) -> None:
        if len(self.errors) < MAX_ERRORS_PER_SET:
            location = replace(self.header.location(position, tag), element_index=index)
            self.errors.append(ElementError(f"{tag}{index:02d} {value[:40]!r} is invalid", location, code))

    def _segment_error(self, tag: str, code: str, message: str, position: int) -> None:
        if len(self.errors) < MAX_ERRORS_PER_SET:
            self.errors.append(SegmentError(message, self.header.location(position, tag[:3]), code))

    def finish(self) -> list[TranslatorError]:
        """Mandatory and once-only segment checks after the whole set was read."""
        self._take_back_unread()
        if self.rules is None:
            return self.errors
        for tag in sorted(self.rules.mandatory - set(self.seen)):
            location = self.header.location(None, tag)
            self.errors.append(
                SegmentError(f"mandatory segment {tag} missing", location, codes.SEGMENT_MANDATORY_MISSING)
            )
        for tag in sorted(self.rules.once):
            if self.seen.get(tag, 0) > 1:
                location = self.header.location(None, tag)
                self.errors.append(
                    SegmentError(f"{tag} may occur once", location, codes.SEGMENT_OVER_MAX_USE)
                )
        return self.errors
