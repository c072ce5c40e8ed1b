"""Aligned-PER codec of S1AP PDUs (TS 36.413 V17.4.0, the subset in asn/s1ap_ntn.asn).

A PDU is an :class:`S1apPdu`: the message type name of clause 9.3.3 (``S1SetupRequest``,
``InitialUEMessage`` ...) and its IEs by name (the IE id of clause 9.3.6 without "id-":
``eNB-UE-S1AP-ID``, ``NAS-PDU``, ``LTE-NTN-TAI-Information``), each value as asn1tools
holds it. The procedure code, the message kind and each IE's id and criticality come from
the ASN.1 (clause 9.3.2 procedures, clause 9.3.3 object sets), never from the caller.
Containers inside IEs follow the same rule: an ``iE-Extensions`` value is a dict by
extension name (``{"RAT-Type": "nbiot-geo"}``), a list of ProtocolIE-SingleContainer
(E-RAB lists, TAIList) is the list of the item values.

An IE or extension outside the subset's object sets decodes under its integer id as
(criticality, open-type octets) and encodes back unchanged. Errors: S1apEncodeError /
S1apDecodeError (both InputError), naming the message and the IE.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import asn1tools

from ntnstack.errors import InputError
from ntnstack.s1ap.spec import S1apSpec, s1ap_spec

__all__ = ["S1apDecodeError", "S1apEncodeError", "S1apPdu", "decode_pdu", "encode_pdu"]

UE_IDENTIFIERS = frozenset({"MME-UE-S1AP-ID", "eNB-UE-S1AP-ID", "UE-S1AP-IDs"})
_ASN1_ERRORS = (asn1tools.Error, KeyError, TypeError, ValueError, IndexError)


class S1apEncodeError(InputError):
    """A PDU that the subset cannot encode (unknown message or IE, value out of range)."""


class S1apDecodeError(InputError):
    """Octets that are not an S1AP PDU of the subset; ``procedure_code`` when known."""

    def __init__(self, message: str, procedure_code: int | None = None):
        super().__init__(f"S1AP: {message}")
        self.procedure_code = procedure_code


@dataclass
class S1apPdu:
    """One S1AP PDU: ``message`` type name and ``ies`` by IE name (see the module doc)."""

    message: str
    ies: dict[str | int, Any] = field(default_factory=dict)

    @property
    def procedure(self) -> str:
        """The elementary procedure's name in clause 9.3.2 (``s1Setup``, ``paging`` ...)."""
        return s1ap_spec().procedure_of(self.message)[0].name

    @property
    def ue_associated(self) -> bool:
        """True for UE-associated signalling (TS 36.410 / 36.412 7: not on stream 0)."""
        return bool(UE_IDENTIFIERS & self.ies.keys())


class _Walker:
    """Converts IE values between the caller's form and asn1tools' (open types as octets)."""

    def __init__(self, spec: S1apSpec):
        self.spec = spec
        self._plain: dict[str, bool] = {}     # type -> holds no container (values as they are)

    def _is_plain(self, type_name: str) -> bool:
        """Whether values of ``type_name`` hold no open-type container anywhere (asn1tools'
        form is then the caller's: ``convert`` returns them unchanged)."""
        if type_name not in self._plain:
            self._plain[type_name] = False   # a recursive type meets itself as not plain
                                             # (walking a plain value is right, only slower)
            descriptor = self.spec.types.get(type_name)
            self._plain[type_name] = type_name not in self.spec.single_lists and (
                descriptor is None or self._plain_descriptor(type_name, descriptor))
        return self._plain[type_name]

    def _plain_descriptor(self, owner: str | None, descriptor: dict) -> bool:
        kind = descriptor["type"]
        if kind in ("SEQUENCE", "CHOICE"):
            return all((owner if kind == "SEQUENCE" else None, m["name"])
                       not in self.spec.containers and self._plain_descriptor(None, m)
                       for m in descriptor["members"] if m)
        if kind == "SEQUENCE OF":
            return self._plain_descriptor(None, descriptor["element"])
        return kind not in self.spec.types or self._is_plain(kind)

    def encode_value(self, type_name: str, value) -> bytes:
        return self.spec.per.encode(type_name, self.convert(type_name, value, True),
                                    check_constraints=True)

    def decode_value(self, type_name: str, data: bytes):
        value = self.spec.per.decode(type_name, data, check_constraints=True)
        return self.convert(type_name, value, False)

    def fields(self, object_set: str, ies: dict) -> list[dict]:
        """A container's fields from IEs by name (an unknown name raises KeyError)."""
        rows = self.spec.object_sets[object_set]
        out = []
        for name, value in ies.items():
            if isinstance(name, int):
                criticality, octets = value
                out.append({"id": name, "criticality": criticality, "value": octets})
                continue
            row = rows[name]
            out.append({"id": row.id, "criticality": row.criticality,
                        "value": self.encode_value(row.type_name, value)})
        return out

    def ies(self, object_set: str, fields: list[dict], value_key: str = "value") -> dict:
        """IEs by name from a container's fields; an id outside the set keeps its octets."""
        by_id = self.spec.rows_by_id[object_set]
        out: dict[str | int, Any] = {}
        for item in fields:
            row = by_id.get(item["id"])
            if row is None:
                out[item["id"]] = (item["criticality"], item[value_key])
            else:
                out[row.name] = self.decode_value(row.type_name, item[value_key])
        return out

    def convert(self, type_name: str, value, inward: bool):
        if self._is_plain(type_name):
            return value
        object_set = self.spec.single_lists.get(type_name)
        if object_set is not None:
            (row,) = self.spec.object_sets[object_set].values()
            if inward:
                return [self.fields(object_set, {row.name: item})[0] for item in value]
            return [self.ies(object_set, [item])[row.name] for item in value]
        descriptor = self.spec.types.get(type_name)
        return value if descriptor is None else self._descriptor(type_name, descriptor,
                                                                 value, inward)

    def _descriptor(self, owner: str | None, descriptor: dict, value, inward: bool):
        kind = descriptor["type"]
        if kind == "SEQUENCE":
            return {name: self._member(owner, descriptor, name, item, inward)
                    for name, item in value.items()}
        if kind == "SEQUENCE OF":
            return [self._descriptor(None, descriptor["element"], item, inward)
                    for item in value]
        if kind == "CHOICE":
            member = next(m for m in descriptor["members"] if m and m["name"] == value[0])
            return value[0], self._descriptor(None, member, value[1], inward)
        if kind in self.spec.types:
            return self.convert(kind, value, inward)
        return value

    def _member(self, owner: str | None, descriptor: dict, name: str, value, inward: bool):
        object_set = self.spec.containers.get((owner, name))
        if object_set is not None:
            if inward:
                return [dict(f, extensionValue=f.pop("value"))
                        for f in self.fields(object_set, value)]
            return self.ies(object_set, value, "extensionValue")
        member = next(m for m in descriptor["members"] if m and m["name"] == name)
        return self._descriptor(None, member, value, inward)


@functools.cache
def _walker() -> _Walker:
    return _Walker(s1ap_spec())


def encode_pdu(pdu: S1apPdu) -> bytes:
    """The S1AP-PDU octets (aligned PER) of ``pdu``; S1apEncodeError if it does not fit."""
    spec = s1ap_spec()
    walker = _walker()
    try:
        procedure, kind = spec.procedure_of(pdu.message)
    except KeyError:
        raise S1apEncodeError(f"S1AP: message {pdu.message!r} is not in the subset "
                              f"(procedures: {', '.join(spec.procedures)})") from None
    object_set = spec.containers[(pdu.message, "protocolIEs")]
    try:
        fields = walker.fields(object_set, pdu.ies)
        inner = spec.per.encode(pdu.message, {"protocolIEs": fields}, check_constraints=True)
        return spec.per.encode("S1AP-PDU", (kind, {
            "procedureCode": procedure.code, "criticality": procedure.criticality,
            "value": inner}), check_constraints=True)
    except _ASN1_ERRORS as exc:
        raise S1apEncodeError(f"S1AP {pdu.message}: cannot encode: {exc!r}") from None


def decode_pdu(data: bytes) -> S1apPdu:
    """The PDU in ``data``; S1apDecodeError naming the procedure and IE where it fails."""
    spec = s1ap_spec()
    try:
        kind, outer = spec.per.decode("S1AP-PDU", bytes(data), check_constraints=True)
    except Exception as exc:  # noqa: BLE001 - asn1tools' decoder on untrusted octets
        raise S1apDecodeError(f"malformed S1AP-PDU ({len(data)} octets): {exc}") from None
    code = outer["procedureCode"]
    procedure = spec.procedure_by_code(code)
    message = procedure.messages.get(kind) if procedure else None
    if message is None:
        raise S1apDecodeError(f"procedure code {code} ({kind}) is outside the subset", code)
    try:
        inner = spec.per.decode(message, outer["value"], check_constraints=True)
        ies = _walker().ies(spec.containers[(message, "protocolIEs")],
                                inner["protocolIEs"])
    except Exception as exc:  # noqa: BLE001 - as above
        raise S1apDecodeError(f"malformed {message}: {exc}", code) from None
    return S1apPdu(message, ies)
