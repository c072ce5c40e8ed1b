"""SigMF metadata (sigmf.org, core namespace v1.0): read and checked for ``ntnstack channel``,
and the output's metadata built from it.

Input: the core fields ntnstack reads must have their specified types; a Non-Conforming
Dataset is followed (``core:dataset`` names the data file beside the metadata,
``core:header_bytes`` before each capture's samples and global ``core:trailing_bytes`` after
the last are skipped); several captures are taken only when they are one continuous recording
(each later capture at the first one's carrier and at its time plus sample_start / rate).

Output: a conforming recording of the new samples: no header or trailing bytes, no
``core:dataset`` pointer, no ``core:sha512`` of the input's data; each capture's
``core:frequency`` / ``core:datetime`` are those the channel was applied at.
"""
from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from ntnstack.errors import InputError
from ntnstack.limits import read_bounded_text

__all__ = ["SIGMF_VERSION", "Segment", "check_continuous", "dataset_path", "output_meta",
           "read_meta", "segments"]

SIGMF_VERSION = "1.0.0"
MAX_META_BYTES = 16 << 20     # SigMF metadata: JSON of a few kB, annotations included
TIME_MATCH_S = 1e-6           # capture datetimes agree within 1 us (or half a sample): the
                              # precision of a float unix time is 0.24 us
NOT_OF_THE_OUTPUT = ("core:dataset", "core:sha512", "core:trailing_bytes",
                     "core:metadata_only")
"""Global fields that describe the input's data file, not the output's."""


class Segment(NamedTuple):
    """The samples of one capture in the data file."""

    first_sample: int          # the capture's core:sample_start
    byte_offset: int           # where that sample starts in the data file


def read_meta(meta_path: Path, where: str) -> dict:
    """The metadata of ``meta_path``, checked; InputError naming ``where`` and the file."""
    text = read_bounded_text(meta_path, f"{where} {meta_path}", MAX_META_BYTES,
                             "SigMF metadata (JSON)")
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where} {meta_path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise InputError(f"{where} {meta_path}: JSON nested too deeply") from None
    glob = meta.get("global") if isinstance(meta, dict) else None
    if not isinstance(glob, dict):
        raise InputError(f"{where} {meta_path}: no \"global\" object (not SigMF metadata)")
    _check_types(meta, f"{where} {meta_path}")
    datatype = glob.get("core:datatype")
    if datatype != "cf32_le":
        raise InputError(f"{where} {meta_path}: core:datatype {datatype!r} is not supported "
                         f"(cf32_le only)")
    if glob.get("core:num_channels", 1) != 1:
        raise InputError(f"{where} {meta_path}: core:num_channels "
                         f"{glob['core:num_channels']} (one channel only)")
    return meta


def _check_types(meta: dict, where: str) -> None:
    """The core fields ntnstack reads have their specified JSON types (sample_rate and
    frequency numbers, datetime and dataset strings, byte counts and sample_start integers
    >= 0, captures and annotations arrays of objects, captures in sample order)."""
    glob = meta["global"]
    rate = glob.get("core:sample_rate")
    if rate is not None and not _is_number(rate):
        raise InputError(f"{where}: global core:sample_rate {rate!r} is not a number")
    _check_count(glob, "core:trailing_bytes", f"{where}: global")
    for name in ("captures", "annotations"):
        items = meta.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InputError(f"{where}: {name} must be an array of objects")
    previous = 0
    for i, cap in enumerate(meta.get("captures") or []):
        freq, when = cap.get("core:frequency"), cap.get("core:datetime")
        if freq is not None and not _is_number(freq):
            raise InputError(f"{where}: captures[{i}] core:frequency {freq!r} is not a number")
        if when is not None and not isinstance(when, str):
            raise InputError(f"{where}: captures[{i}] core:datetime {when!r} is not a string")
        _check_count(cap, "core:header_bytes", f"{where}: captures[{i}]")
        if i and "core:sample_start" not in cap:
            raise InputError(f"{where}: captures[{i}] has no core:sample_start")
        start = _check_count(cap, "core:sample_start", f"{where}: captures[{i}]")
        if start < previous:
            raise InputError(f"{where}: captures[{i}] core:sample_start {start} is before "
                             f"the previous capture's {previous} (captures go in sample order)")
        previous = start


def _check_count(obj: dict, key: str, where: str) -> int:
    """obj[key] (0 if absent): an integer >= 0, else InputError."""
    value = obj.get(key, 0)
    if not (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        raise InputError(f"{where} {key} {value!r} is not a count (an integer >= 0)")
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def dataset_path(meta: dict, meta_path: Path, where: str) -> Path:
    """The data file: global core:dataset (a file name beside the metadata) or
    NAME.sigmf-data."""
    name = meta["global"].get("core:dataset")
    if name is None:
        return meta_path.with_suffix(".sigmf-data")
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise InputError(f"{where} {meta_path}: global core:dataset {name!r} is not a file "
                         f"name (the dataset lies beside the metadata)")
    return meta_path.with_name(name)


def segments(meta: dict, data_bytes: int, sample_bytes: int, where: str
             ) -> tuple[int, tuple[Segment, ...]]:
    """(sample count, one Segment per capture) of a data file of ``data_bytes``: each
    capture's core:header_bytes precede its samples, global core:trailing_bytes follow the
    last (SigMF 1.0 Non-Conforming Datasets)."""
    caps = meta.get("captures") or [{}]
    headers = sum(c.get("core:header_bytes", 0) for c in caps)
    trailing = meta["global"].get("core:trailing_bytes", 0)
    payload = data_bytes - headers - trailing
    if payload < 0:
        raise InputError(f"{where}: core:header_bytes ({headers}) and core:trailing_bytes "
                         f"({trailing}) exceed the {data_bytes}-byte dataset")
    if payload % sample_bytes:
        raise InputError(f"{where}: {payload} bytes of samples (the dataset's {data_bytes} less "
                         f"{headers} header and {trailing} trailing bytes) is not a whole "
                         f"number of cf32 samples ({sample_bytes} bytes each)")
    count = payload // sample_bytes
    out, skipped = [], 0
    for i, cap in enumerate(caps):
        first = cap.get("core:sample_start", 0)
        if first > count:
            raise InputError(f"{where}: captures[{i}] core:sample_start {first} is beyond the "
                             f"dataset's {count} samples")
        skipped += cap.get("core:header_bytes", 0)
        if i == 0:      # samples before the first capture's sample_start follow its header
            first = 0
        out.append(Segment(first, skipped + first * sample_bytes))
    return count, tuple(out)


def _parse_time(text: str, where: str) -> float:
    from ntnstack.clock import parse_iso8601

    return parse_iso8601(text, where)


def _same_time(a_unix_s: float, b_unix_s: float, rate_hz: float) -> bool:
    return abs(a_unix_s - b_unix_s) <= max(TIME_MATCH_S, 0.5 / rate_hz)


def check_continuous(meta: dict, rate_hz: float, where: str) -> None:
    """InputError naming the first later capture that is not the continuation of the first:
    another core:frequency, or a core:datetime other than the first's plus the samples
    between them / rate (a gap or a jump: the channel would put its samples at the wrong
    time)."""
    caps = meta.get("captures") or []
    if len(caps) < 2:
        return
    first = caps[0]
    freq, when = first.get("core:frequency"), first.get("core:datetime")
    t0 = _parse_time(when, f"{where} captures[0] core:datetime") if when else None
    for i, cap in enumerate(caps[1:], start=1):
        f = cap.get("core:frequency")
        if f is not None and f != freq:
            was = "none" if freq is None else f"{freq:g} Hz"
            raise InputError(f"{where}: captures[{i}] core:frequency {f:g} Hz differs from "
                             f"captures[0]'s ({was}); the channel follows one carrier (split "
                             f"the recording per capture)")
        text = cap.get("core:datetime")
        if text is None:
            continue
        t = _parse_time(text, f"{where} captures[{i}] core:datetime")
        expected = None if t0 is None else (
            t0 + (cap["core:sample_start"] - first.get("core:sample_start", 0)) / rate_hz)
        if expected is None or not _same_time(t, expected, rate_hz):
            told = "" if expected is None else f", not {format_datetime(expected)}"
            raise InputError(f"{where}: captures[{i}] core:datetime {text} (sample "
                             f"{cap['core:sample_start']}) is not the continuation of "
                             f"captures[0]{told}; the channel follows one continuous "
                             f"recording (split it per capture)")


def format_datetime(t_unix_s: float) -> str:
    """Unix seconds -> ``YYYY-MM-DDTHH:MM:SS[.ffffff]Z`` (UTC, to the microsecond, trailing
    zeros of the fraction left out)."""
    stamp = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=round(t_unix_s * 1e6))
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".") + "Z"


def output_meta(meta: dict | None, *, rate_hz: float, frequency_hz: float | None,
                start_unix_s: float | None) -> dict:
    """The output's metadata: the input's (None: a new one) without what describes the
    input's data file, cf32_le at ``rate_hz``, the ``ntnstack`` extension declared; captures
    at ``frequency_hz`` and from ``start_unix_s`` (None: as the input says). A capture time
    the input already gives (to TIME_MATCH_S) keeps its text."""
    out = copy.deepcopy(meta) if meta else {"global": {}, "captures": [], "annotations": []}
    glob = out["global"]
    for key in NOT_OF_THE_OUTPUT:
        glob.pop(key, None)
    glob.update({"core:datatype": "cf32_le", "core:sample_rate": float(rate_hz)})
    glob.setdefault("core:version", SIGMF_VERSION)
    ext = [e for e in glob.get("core:extensions", []) if e.get("name") != "ntnstack"]
    glob["core:extensions"] = [*ext, {"name": "ntnstack", "version": "0.1.0",
                                      "optional": True}]
    out["captures"] = out.get("captures") or [{"core:sample_start": 0}]
    for i, cap in enumerate(out["captures"]):
        cap.pop("core:header_bytes", None)
        if frequency_hz is not None and (i == 0 or "core:frequency" in cap):
            cap["core:frequency"] = float(frequency_hz)
        if start_unix_s is not None and (i == 0 or "core:datetime" in cap):
            cap["core:datetime"] = _capture_time(cap, start_unix_s, rate_hz)
    out.setdefault("annotations", [])
    return out


def _capture_time(cap: dict, start_unix_s: float, rate_hz: float) -> str:
    """The datetime of a capture's first sample for a recording that starts at
    start_unix_s: the capture's own text when it already says so."""
    t = start_unix_s + cap.get("core:sample_start", 0) / rate_hz
    text = cap.get("core:datetime")
    try:
        if text is not None and _same_time(_parse_time(text, "core:datetime"), t, rate_hz):
            return text
    except InputError:        # the input's own time is not ISO 8601: replaced
        pass
    return format_datetime(t)
