"""The S1AP subset (ntnstack/s1ap/asn/s1ap_ntn.asn, TS 36.413 V17.4.0) as tables and a
compiled aligned-PER specification.

asn1tools parses the information object sets of the file but keeps none of their rows,
and it cannot compile the parameterised containers. This module therefore reads the file
twice: the rows of each object set and each elementary procedure from the text (one
regular expression each, the syntax of clause 9.3.2 / 9.3.7), and the types through
asn1tools after removing each actual parameter ``{{Set}}`` (recorded first, so that the
codec knows which object set governs which container).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import asn1tools

__all__ = ["ASN_FILE", "IeRow", "Procedure", "S1apSpec", "s1ap_spec"]

ASN_FILE = Path(__file__).with_name("asn") / "s1ap_ntn.asn"
MODULE = "S1AP-NTN-Subset"

_ASSIGNMENT = re.compile(r"^([A-Za-z][\w-]*)\s*(?:([A-Z][\w-]*)\s*)?::=(.*?)(?=^\S|\Z)",
                         re.M | re.S)
_ROW = re.compile(r"\{\s*ID\s+([\w-]+)\s+CRITICALITY\s+(\w+)\s+(?:TYPE|EXTENSION)\s+"
                  r"([\w-]+)\s+PRESENCE\s+(\w+)\s*\}")
_PROCEDURE_FIELD = re.compile(r"(INITIATING MESSAGE|SUCCESSFUL OUTCOME|UNSUCCESSFUL OUTCOME|"
                              r"PROCEDURE CODE|CRITICALITY)\s+([\w-]+)")
_PARAMETER = re.compile(r"(?:([\w-]+)\s+)?(ProtocolIE-Container|ProtocolExtensionContainer|"
                        r"ProtocolIE-SingleContainer)\s*\{\s*\{\s*([\w-]+)\s*\}\s*\}")
MESSAGE_KINDS = ("initiatingMessage", "successfulOutcome", "unsuccessfulOutcome")
_MESSAGE_LABELS = ("INITIATING MESSAGE", "SUCCESSFUL OUTCOME", "UNSUCCESSFUL OUTCOME")


@dataclass(frozen=True)
class IeRow:
    """One row of an object set: the IE (or extension) ``name`` is its id without "id-"."""

    name: str
    id: int
    criticality: str
    type_name: str
    presence: str


@dataclass(frozen=True)
class Procedure:
    """One elementary procedure (clause 9.3.2): its code and its messages by kind."""

    name: str
    code: int
    criticality: str
    messages: dict[str, str]


@dataclass(frozen=True)
class S1apSpec:
    """The compiled subset and its tables.

    ``containers``: (type, member) -> object set of a ProtocolIE-Container or
    ProtocolExtensionContainer member; ``single_lists``: list type -> object set of its
    ProtocolIE-SingleContainer items; ``types``: asn1tools' parsed type descriptors.
    """

    per: asn1tools.compiler.Specification
    procedures: dict[str, Procedure]
    object_sets: dict[str, dict[str, IeRow]]
    containers: dict[tuple[str, str], str]
    single_lists: dict[str, str]
    types: dict[str, dict]
    rows_by_id: dict[str, dict[int, IeRow]] = field(init=False)
    """object set -> IE id -> row (the decoder's look-up), built once."""
    _by_message: dict[str, tuple[Procedure, str]] = field(init=False)
    _by_code: dict[int, Procedure] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows_by_id", {
            name: {row.id: row for row in rows.values()}
            for name, rows in self.object_sets.items()})
        object.__setattr__(self, "_by_message", {
            message: (procedure, kind) for procedure in self.procedures.values()
            for kind, message in procedure.messages.items()})
        object.__setattr__(self, "_by_code", {p.code: p for p in self.procedures.values()})

    def procedure_of(self, message: str) -> tuple[Procedure, str]:
        """The procedure and the kind (initiatingMessage ...) of a message type name
        (KeyError when the subset has no such message)."""
        return self._by_message[message]

    def procedure_by_code(self, code: int) -> Procedure | None:
        return self._by_code.get(code)


def _assignments(text: str) -> list[tuple[str, str, str]]:
    body = re.sub(r"--.*", "", text.split("BEGIN", 1)[1])
    return [(m.group(1), m.group(2) or "", m.group(3)) for m in _ASSIGNMENT.finditer(body)]


def _parameters(assignments) -> tuple[dict, dict]:
    containers, single_lists = {}, {}
    for name, _, body in assignments:
        for member, container, object_set in _PARAMETER.findall(body):
            if container == "ProtocolIE-SingleContainer":
                single_lists[name] = object_set
            else:
                containers[(name, member)] = object_set
    return containers, single_lists


def _object_sets(assignments, values: dict) -> dict[str, dict[str, IeRow]]:
    sets = {}
    for name, class_name, body in assignments:
        if class_name in ("S1AP-PROTOCOL-IES", "S1AP-PROTOCOL-EXTENSION"):
            rows = (IeRow(ie.removeprefix("id-"), values[ie]["value"], criticality, type_name,
                          presence) for ie, criticality, type_name, presence in _ROW.findall(body))
            sets[name] = {row.name: row for row in rows}
    return sets


def _procedures(assignments, values: dict) -> dict[str, Procedure]:
    procedures = {}
    for name, class_name, body in assignments:
        if class_name != "S1AP-ELEMENTARY-PROCEDURE":
            continue
        fields = dict(_PROCEDURE_FIELD.findall(body))
        messages = {kind: fields[label] for kind, label in zip(MESSAGE_KINDS, _MESSAGE_LABELS,
                                                               strict=True) if label in fields}
        procedures[name] = Procedure(name, values[fields["PROCEDURE CODE"]]["value"],
                                     fields.get("CRITICALITY", "ignore"), messages)
    return procedures


@functools.cache
def s1ap_spec() -> S1apSpec:
    """The subset compiled once per process (aligned PER; about 1 s)."""
    text = ASN_FILE.read_text(encoding="utf-8")
    assignments = _assignments(text)
    containers, single_lists = _parameters(assignments)
    plain = _PARAMETER.sub(lambda m: f"{m.group(1) or ''} {m.group(2)}", text)
    parsed = asn1tools.parse_string(plain)[MODULE]
    return S1apSpec(per=asn1tools.compile_dict({MODULE: parsed}, "per"),
                    procedures=_procedures(assignments, parsed["values"]),
                    object_sets=_object_sets(assignments, parsed["values"]),
                    containers=containers, single_lists=single_lists,
                    types=parsed["types"])
