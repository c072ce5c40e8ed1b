"""UPER codec of the NTN broadcast messages (the ASN.1 in ntnstack/rrc/asn/).

``encode_sib(kind, fields)`` takes the content of the NTN block as asn1tools values (the
integers of the specification) and returns the whole BCCH-DL-SCH message; ``decode_sib``
is its inverse. Kinds:

- ``sib31``    LTE-M, TS 36.331: BCCH-DL-SCH-Message / SystemInformation / sib31-v1700;
- ``sib31-nb`` NB-IoT, TS 36.331: BCCH-DL-SCH-Message-NB / SystemInformation-NB / sib31-v1700;
- ``sib19``    NR, TS 38.331: BCCH-DL-SCH-Message / SystemInformation / sib19-v1700.

The specification is compiled once per process (``functools.cache`` on the file name), its
parse kept on disk between runs (ntnstack.asn1_cache: the parse is most of the compile).
Encoding always checks constraints. Errors: EncodeError / DecodeError, both InputError,
naming the kind and the field or the bit offset where decoding failed.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

import asn1tools

from ntnstack.asn1_cache import compile_asn1_files
from ntnstack.errors import InputError

__all__ = ["KINDS", "DecodeError", "EncodeError", "KindInfo", "decode_sib", "encode_si_nb",
           "encode_sib",
           "ellipsoid_point_codec"]

ASN_DIR = Path(__file__).with_name("asn")


@dataclass(frozen=True)
class KindInfo:
    """Where one NTN block lives: ASN.1 file, PDU, the path down to the block, dissector."""

    asn_file: str
    pdu: str
    c1_alternative: str
    critical_alternative: str
    list_field: str
    sib_alternative: str
    dissector: str
    spec: str


KINDS: dict[str, KindInfo] = {
    "sib31": KindInfo("eutra_ntn.asn", "BCCH-DL-SCH-Message", "systemInformation",
                      "systemInformation-r8", "sib-TypeAndInfo", "sib31-v1700",
                      "lte-rrc.bcch.dl.sch", "TS 36.331 V17.4.0"),
    "sib31-nb": KindInfo("eutra_ntn.asn", "BCCH-DL-SCH-Message-NB", "systemInformation-r13",
                         "systemInformation-r13", "sib-TypeAndInfo-r13", "sib31-v1700",
                         "lte-rrc.bcch.dl.sch.nb", "TS 36.331 V17.4.0"),
    "sib19": KindInfo("nr_ntn.asn", "BCCH-DL-SCH-Message", "systemInformation",
                      "systemInformation", "sib-TypeAndInfo", "sib19-v1700",
                      "nr-rrc.bcch.dl.sch", "TS 38.331 V17.4.0"),
}


class EncodeError(InputError):
    """A value that the ASN.1 does not admit (out of range, missing, wrong type)."""


class DecodeError(InputError):
    """Bytes that are not a well-formed message of the kind; ``bit_offset`` where it failed
    (``octet_only``: only the octet starting there is known, see ``_error_offset``)."""

    def __init__(self, kind: str, message: str, bit_offset: int | None = None,
                 octet_only: bool = False):
        where = "" if bit_offset is None else (
            f" within bits {bit_offset}..{bit_offset + 7}" if octet_only
            else f" at bit offset {bit_offset}")
        super().__init__(f"{kind}: malformed message{where}: {message}")
        self.kind = kind
        self.bit_offset = bit_offset


@functools.cache
def _compiled(asn_file: str):
    return compile_asn1_files([ASN_DIR / asn_file], "uper")


def ellipsoid_point_codec():
    """The compiled NR file, whose type Ellipsoid-Point (TS 37.355) fills ReferenceLocation."""
    return _compiled(KINDS["sib19"].asn_file)


def _info(kind: str) -> KindInfo:
    try:
        return KINDS[kind]
    except KeyError:
        raise InputError(f"kind: {kind!r} is not one of {', '.join(KINDS)}") from None


def _wrap(info: KindInfo, block: dict) -> dict:
    ies = {info.list_field: [(info.sib_alternative, block)]}
    si = {"criticalExtensions": (info.critical_alternative, ies)}
    return {"message": ("c1", (info.c1_alternative, si))}


def encode_sib(kind: str, fields: dict) -> bytes:
    """The whole BCCH-DL-SCH message (UPER bytes) carrying the NTN block ``fields``."""
    return _encode(kind, _info(kind), fields)


def encode_si_nb(sib_alternative: str, block: dict) -> bytes:
    """A BCCH-DL-SCH-Message-NB / SystemInformation-NB carrying one SIB of the subset other
    than the NTN one (``sib2-r13``: SystemInformationBlockType2-NB), UPER bytes."""
    info = dataclasses.replace(KINDS["sib31-nb"], sib_alternative=sib_alternative)
    return _encode("SystemInformation-NB", info, block)


def _encode(what: str, info: KindInfo, block: dict) -> bytes:
    try:
        return _compiled(info.asn_file).encode(info.pdu, _wrap(info, block),
                                               check_constraints=True)
    except (asn1tools.Error, KeyError, TypeError, ValueError) as exc:
        raise EncodeError(f"{what}: cannot encode {info.sib_alternative}: {exc}") from None


def _error_offset(spec, pdu: str, data: bytes, exc: Exception) -> tuple[int, bool]:
    """(bit offset, octet_only) of a decoding failure: asn1tools reports the exact offset
    when it runs out of data; otherwise bisect on byte prefixes for the longest one that only
    runs out of data: the failure lies in the next octet."""
    if isinstance(exc, asn1tools.codecs.OutOfDataError):
        return int(exc.args[0]), False
    lo, hi = 0, len(data)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            spec.decode(pdu, data[:mid])
            hi = mid - 1
        except asn1tools.codecs.OutOfDataError:
            lo = mid
        except Exception:  # noqa: BLE001 - any other failure lies in data[:mid]
            hi = mid - 1
    return 8 * lo, True


def _unwrap(kind: str, info: KindInfo, message: dict) -> dict:
    """The NTN block inside a decoded message, or DecodeError naming what it carries."""
    choice, value = message["message"]
    if choice != "c1":
        raise DecodeError(kind, f"carries message {choice}, not c1", 0)
    if value[0] != info.c1_alternative:
        raise DecodeError(kind, f"carries c1 {value[0]}, not {info.c1_alternative}", 1)
    critical, ies = value[1]["criticalExtensions"]
    if critical != info.critical_alternative:
        raise DecodeError(kind, f"carries criticalExtensions {critical}", 2)
    blocks = [v for name, v in ies[info.list_field] if name == info.sib_alternative]
    others = sorted({name or "an unknown extension" for name, _ in ies[info.list_field]}
                    - {info.sib_alternative})
    if others:
        raise DecodeError(kind, f"carries {', '.join(others)}, outside the NTN subset")
    if len(blocks) != 1:
        raise DecodeError(kind, f"carries {len(blocks)} {info.sib_alternative} blocks")
    return blocks[0]


def decode_sib(kind: str, data: bytes) -> dict:
    """The NTN block (asn1tools values) of a whole BCCH-DL-SCH message; DecodeError if not."""
    info = _info(kind)
    spec = _compiled(info.asn_file)
    try:
        message = spec.decode(info.pdu, bytes(data), check_constraints=True)
    except asn1tools.ConstraintsError as exc:
        raise DecodeError(kind, f"value out of range: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - the block only runs asn1tools' decoder on
        # untrusted bytes: any failure in it (asn1tools raises even a not-implemented error
        # for some encodings) is malformed input
        offset, octet_only = _error_offset(spec, info.pdu, bytes(data), exc)
        raise DecodeError(kind, str(exc) or type(exc).__name__, offset, octet_only) from None
    return _unwrap(kind, info, message)
