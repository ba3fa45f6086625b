"""X12 structure tables as data: the element rules of the segments the maps read (requirement, type,
length) and, per transaction set, its leading segment, mandatory segments and once-only segments.

Element rules are written ``"REQ TYPE MIN MAX [CODES]"`` in element order: ``M`` mandatory, ``O``
optional, ``X`` conditional; X12 types (AN, ID, N0/N2, R, DT, TM); CODES a comma list when only those
values are valid. Lengths are the widest of 004010 and 005010 so either version passes. Segments not
listed here are accepted unchecked and mapped to ``extensions``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ElementRule:
    index: int
    required: bool
    type: str
    min_length: int
    max_length: int
    codes: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class SetRules:
    set_id: str
    first: str
    mandatory: frozenset[str]
    once: frozenset[str]


SEGMENT_RULES_TEXT: dict[str, str] = {
    "BEG": "M ID 2 2|M ID 2 2|M AN 1 22|O AN 1 30|M DT 6 8|O AN 1 30|O ID 2 2",
    "BAK": "M ID 2 2|M ID 2 2|M AN 1 22|M DT 6 8|O AN 1 30|O AN 1 45|O AN 1 30|O AN 1 50|O DT 6 8",
    "BSN": "M ID 2 2|M AN 2 30|M DT 6 8|M TM 4 8|O ID 4 4|O ID 2 2|O ID 3 3",
    "CUR": "M ID 2 3|M ID 3 3",
    "REF": "M ID 2 3|X AN 1 80|X AN 1 80",
    "PER": "M ID 2 2|O AN 1 60|X ID 2 2|X AN 1 256|X ID 2 2|X AN 1 256|X ID 2 2|X AN 1 256",
    "FOB": "M ID 2 2|X ID 1 2|O AN 1 80",
    "SAC": "M ID 1 1 A,C,N|X ID 4 4|X ID 2 10|X AN 1 10|O N2 1 18|X ID 1 1|X R 1 6|O R 1 9|X ID 2 2|X R 1 15",
    "ITD": "O ID 2 2|O ID 1 2|O R 1 6|X DT 6 8|X N0 1 3|X DT 6 8|X N0 1 3",
    "DTM": "M ID 3 3|X DT 6 8|X TM 4 8|O ID 2 2|X ID 2 3|X AN 1 35",
    "TD5": "O ID 1 2|X ID 1 2|X AN 2 80|X ID 1 2|X AN 1 35",
    "TD1": "O AN 3 5|X N0 1 7|O ID 1 1|O AN 1 30|O AN 1 50|X ID 1 2|X R 1 10|X ID 2 2",
    "N1": "M ID 2 3|X AN 1 60|X ID 1 2|X AN 2 80",
    "N3": "M AN 1 55|O AN 1 55",
    "N4": "O AN 2 30|O ID 2 2|O ID 3 15|O ID 2 3",
    "PO1": "O AN 1 20|X R 1 15|O ID 2 2|X R 1 17|O ID 2 2",
    "PID": "M ID 1 1 F,S,X|O ID 2 3|X ID 2 3|X AN 1 12|X AN 1 80",
    "PO4": "O N0 1 6|O R 1 8|X ID 2 2|X ID 3 5|O ID 1 2|X R 1 9|X ID 2 2",
    "SCH": "M R 1 15|M ID 2 2|X ID 2 3|X AN 1 60|M ID 3 3|M DT 6 8|O TM 4 8|O ID 3 3|O DT 6 8|O TM 4 8",
    "CTT": "M N0 1 6|O R 1 10",
    "AMT": "M ID 1 3|M R 1 18|O ID 1 1",
    "ACK": "M ID 2 2|X R 1 15|X ID 2 2|X ID 3 3|O DT 6 8",
    "HL": "M AN 1 12|O AN 1 12|M AN 1 2|O ID 1 1 0,1",
    "PRF": "M AN 1 22|O AN 1 30|O AN 1 8|O DT 6 8",
    "MAN": "M ID 1 2|M AN 1 48|O AN 1 48",
    "LIN": "O AN 1 20|M ID 2 2|M AN 1 48",
    "SN1": "O AN 1 20|M R 1 15|M ID 2 2|O R 1 15|O R 1 15|X ID 2 2|O ID 2 2|O ID 2 2",
    "AK1": "M ID 2 2|M N0 1 9|O AN 1 12",
    "AK2": "M ID 3 3|M AN 1 9|O AN 1 35",
    "AK3": "M ID 2 3|M N0 1 10|O AN 1 4|O ID 1 3",
    "AK5": "M ID 1 1 A,E,M,R,W,X|O ID 1 3|O ID 1 3|O ID 1 3|O ID 1 3|O ID 1 3",
    "IK3": "M ID 2 3|M N0 1 10|O AN 1 4|M ID 1 3",
    "IK5": "M ID 1 1 A,E,M,R,W,X|O ID 1 3|O ID 1 3|O ID 1 3|O ID 1 3|O ID 1 3",
    "AK9": "M ID 1 1 A,E,M,P,R,W,X|M N0 1 6|M N0 1 6|M N0 1 6|O ID 1 3|O ID 1 3|O ID 1 3|O ID 1 3|O ID 1 3",
}

SET_RULES: dict[str, SetRules] = {
    "850": SetRules("850", "BEG", frozenset({"BEG", "PO1"}), frozenset({"BEG", "CTT"})),
    "855": SetRules("855", "BAK", frozenset({"BAK"}), frozenset({"BAK", "CTT"})),
    "856": SetRules("856", "BSN", frozenset({"BSN", "HL"}), frozenset({"BSN", "CTT"})),
    "997": SetRules("997", "AK1", frozenset({"AK1", "AK9"}), frozenset({"AK1", "AK9"})),
    "999": SetRules("999", "AK1", frozenset({"AK1", "AK9"}), frozenset({"AK1", "AK9"})),
}


def _parse_rules(text: str) -> tuple[ElementRule, ...]:
    rules = []
    for index, spec in enumerate(text.split("|"), start=1):
        requirement, kind, low, high, *allowed = spec.split()
        codes = frozenset(allowed[0].split(",")) if allowed else None
        rules.append(ElementRule(index, requirement == "M", kind, int(low), int(high), codes))
    return tuple(rules)


SEGMENT_RULES: dict[str, tuple[ElementRule, ...]] = {
    tag: _parse_rules(text) for tag, text in SEGMENT_RULES_TEXT.items()
}
