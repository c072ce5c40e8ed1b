"""TLE and CCSDS OMM (JSON, XML, KVN as CelesTrak serves them) through python-sgp4.

SGP4 gives TEME states; ntnstack.orbit.frames turns them into ECEF (polar motion neglected,
UT1 = UTC: see frames.py for the error this leaves). Many satellites are propagated in one
vectorised call (sgp4.api.SatrecArray) by ``states_of``.
"""
from __future__ import annotations

import io
import json
import re
import warnings
from pathlib import Path

import numpy as np
from sgp4 import omm
from sgp4.api import WGS72, Satrec, SatrecArray

from ntnstack.errors import InputError
from ntnstack.limits import (
    MAX_ORBIT_FILE_BYTES, MAX_ORBIT_FILE_SATELLITES, read_bounded_text,
)
from ntnstack.orbit.frames import teme_to_ecef, unix_to_jd_parts
from ntnstack.orbit.source import OrbitSource

__all__ = ["TleSource", "load_satellites", "parse_omm", "parse_tle_text", "states_of",
           "tle_checksum"]

KM = 1000.0


class TleSource(OrbitSource):
    """One satellite from a TLE or OMM (python-sgp4 Satrec).

    ``ut1_minus_utc_s`` (IERS Bulletin A DUT1, |DUT1| < 0.9 s) sets the Earth's rotation
    angle; left at 0 the ECEF position is off by omega_E * r * |DUT1| along the rotation
    (0.1 s: 51 m at LEO radius, 307 m at GEO radius).
    """

    def __init__(self, satrec: Satrec, name: str, ut1_minus_utc_s: float = 0.0):
        self.satrec = satrec
        self.name = name
        self.ut1_minus_utc_s = float(ut1_minus_utc_s)

    def states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray]:
        pos, vel = states_of([self], t_unix_s)
        return pos[0], vel[0]

    def teme_states(self, t_unix_s) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """SGP4 output: TEME pos_m (n, 3), vel_mps (n, 3), sgp4 error codes (n,)."""
        jd, fr = unix_to_jd_parts(np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64)))
        err, r, v = SatrecArray([self.satrec]).sgp4(jd, fr)
        return r[0] * KM, v[0] * KM, err[0]


def states_of(sources: list[TleSource], t_unix_s) -> tuple[np.ndarray, np.ndarray]:
    """ECEF states of k TLE satellites at n times in one SatrecArray call: (k, n, 3) twice.

    Times where SGP4 fails (decay, eccentricity out of range) are NaN rows.
    """
    t = np.atleast_1d(np.asarray(t_unix_s, dtype=np.float64))
    jd, fr = unix_to_jd_parts(t)
    err, r, v = SatrecArray([s.satrec for s in sources]).sgp4(jd, fr)
    dut1 = np.array([[s.ut1_minus_utc_s] for s in sources])
    pos, vel = teme_to_ecef(r * KM, v * KM, t[None, :], dut1)
    bad = err != 0
    pos[bad] = np.nan
    vel[bad] = np.nan
    return pos, vel


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of a TLE line's first 68 columns (digits, '-' counts 1)."""
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def _check_line(line: str, number: str, where: str, lineno: int) -> None:
    if not line.startswith(number + " "):
        raise InputError(f"{where} line {lineno}: expected TLE line {number}, got {line[:20]!r}")
    if len(line) < 69:
        raise InputError(f"{where} line {lineno}: TLE line {number} has {len(line)} "
                         f"characters, expected 69")
    if not line[68].isdigit() or int(line[68]) != tle_checksum(line):
        raise InputError(f"{where} line {lineno}: TLE checksum is {line[68]!r}, the line "
                         f"sums to {tle_checksum(line)}")


def parse_tle_text(text: str, where: str = "TLE") -> list[TleSource]:
    """Two- or three-line element sets -> sources (names from the title lines or NORAD ids)."""
    lines = [(i + 1, ln.rstrip()) for i, ln in enumerate(text.splitlines()) if ln.strip()]
    out: list[TleSource] = []
    k = 0
    while k < len(lines):
        lineno, line = lines[k]
        name = None
        if not line.startswith("1 "):
            name = line[2:].strip() if line.startswith("0 ") else line.strip()
            k += 1
            if k >= len(lines):
                raise InputError(f"{where} line {lineno}: title {name!r} without element lines")
            lineno, line = lines[k]
        if k + 1 >= len(lines):
            raise InputError(f"{where} line {lineno}: TLE line 1 without line 2")
        line2_no, line2 = lines[k + 1]
        _check_line(line, "1", where, lineno)
        _check_line(line2, "2", where, line2_no)
        if line[2:7] != line2[2:7]:
            raise InputError(f"{where} line {line2_no}: catalogue number {line2[2:7]!r} "
                             f"differs from line 1 ({line[2:7]!r})")
        try:
            satrec = Satrec.twoline2rv(line, line2, WGS72)
        except ValueError as exc:
            raise InputError(f"{where} line {lineno}: malformed TLE ({exc})") from None
        out.append(TleSource(satrec, name or line[2:7].strip()))
        k += 2
    if not out:
        raise InputError(f"{where}: no element sets found")
    return out


def _kvn_records(text: str) -> list[dict]:
    records: list[dict] = []
    for line in text.splitlines():
        m = re.match(r"\s*([A-Z_]+)\s*=\s*(.*?)\s*$", line)
        if not m:
            continue
        key, value = m.groups()
        if key == "CCSDS_OMM_VERS" or not records:
            records.append({})
        records[-1][key] = value
    return records


def _omm_defaults(fields: dict) -> dict:
    """CelesTrak omits nothing, but KVN writers may: fill the fields sgp4.omm requires."""
    out = {"CLASSIFICATION_TYPE": "U", "EPHEMERIS_TYPE": "0", "ELEMENT_SET_NO": "999",
           "REV_AT_EPOCH": "0", "OBJECT_ID": "", "MEAN_MOTION_DDOT": "0"}
    out.update({k: str(v) for k, v in fields.items() if v is not None})
    return out


OMM_FRAME = {"CENTER_NAME": ("EARTH",), "REF_FRAME": ("TEME",), "TIME_SYSTEM": ("UTC",),
             "MEAN_ELEMENT_THEORY": ("SGP4", "SGP4/SDP4", "SDP4")}
"""What SGP4 propagates (CCSDS 502.0-B-3 OMM metadata): mean elements about the Earth in TEME
with a UTC epoch. A record naming another centre, frame, time system or theory (TAI epochs,
EME2000, Space-Track's SGP4-XP) is refused; a key left out means these."""


def _check_omm_frame(rec: dict, where: str) -> None:
    for key, allowed in OMM_FRAME.items():
        value = rec.get(key)
        if value is not None and str(value).strip().upper() not in allowed:
            raise InputError(f"{where}: {key} {str(value)[:40]!r}: SGP4 takes {allowed[0]} "
                             f"(mean elements about the Earth, TEME frame, UTC epoch)")


def parse_omm(text: str, where: str = "OMM") -> list[TleSource]:
    """CCSDS OMM in JSON (a list or one object), XML (ndm/omm) or KVN -> sources."""
    stripped = text.lstrip()
    try:
        if stripped.startswith(("[", "{")):
            data = json.loads(text)
            records = data if isinstance(data, list) else [data]
        elif stripped.startswith("<"):
            records = list(omm.parse_xml(io.StringIO(text)))
        else:
            records = _kvn_records(text)
    except (ValueError, AttributeError, SyntaxError, RecursionError) as exc:
        # json: ValueError, RecursionError (deep nesting); ElementTree: ParseError (a
        # SyntaxError); sgp4's XML walker: AttributeError on a tree that is not ndm/omm.
        raise InputError(f"{where}: not a readable OMM ({type(exc).__name__}: "
                         f"{str(exc)[:120]})") from None
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            raise InputError(f"{where}: OMM record {i + 1}: expected an object of OMM fields, "
                             f"got {type(rec).__name__}")
        _check_omm_frame(rec, f"{where}: OMM record {i + 1}")
        fields = _omm_defaults(rec)
        satrec = Satrec()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)   # a value cut to fit an int
                omm.initialize(satrec, fields)
        except (KeyError, ValueError, TypeError, IndexError, OverflowError,
                RuntimeWarning) as exc:
            raise InputError(f"{where}: OMM record {i + 1}: missing or bad field "
                             f"{str(exc)[:120]}") from None
        out.append(TleSource(satrec, fields.get("OBJECT_NAME") or str(satrec.satnum)))
    if not out:
        raise InputError(f"{where}: no OMM records found")
    return out


def load_satellites(path: str | Path, where: str | None = None) -> list[TleSource]:
    """All satellites of a TLE or OMM file (format from the content), at most
    MAX_ORBIT_FILE_SATELLITES."""
    where = where or str(path)
    text = read_bounded_text(path, where, MAX_ORBIT_FILE_BYTES, "TLE or OMM text")
    head = text.lstrip()[:200]
    if head.startswith(("[", "{", "<")) or "CCSDS_OMM_VERS" in head:
        sats = parse_omm(text, where)
    else:
        sats = parse_tle_text(text, where)
    if len(sats) > MAX_ORBIT_FILE_SATELLITES:
        raise InputError(f"{where}: {len(sats)} satellites, more than "
                         f"{MAX_ORBIT_FILE_SATELLITES}; name one (tle:PATH:NAME) from a "
                         f"smaller file")
    return sats

