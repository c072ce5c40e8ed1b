"""IQ recordings on disk: raw cf32 files and SigMF recordings, read and written in chunks.

cf32: interleaved little-endian float32 I, Q (GNU Radio's complex file, SigMF ``cf32_le``),
no header. SigMF (sigmf.org, core namespace v1.x): ``NAME.sigmf-meta`` (JSON: global,
captures, annotations) next to ``NAME.sigmf-data`` (the samples). Any path ending in
``.sigmf-meta``, ``.sigmf-data`` or ``.sigmf`` is a SigMF recording; anything else is raw
cf32. Only single-channel ``cf32_le`` SigMF data is read; other datatypes are refused with
their name.

Samples are read through a memory map of the page cache (no copy into buffers) and written
over an existing output in place, which is cut to its new length at the end (cheaper than
O_TRUNC, which frees every page of the old file first, then allocates new ones).
"""
from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ntnstack.errors import InputError
from ntnstack.limits import read_bounded_text

__all__ = ["BYTES_PER_SAMPLE", "IQInput", "IQWriter", "sample_blocks", "open_iq",
           "sigmf_paths"]

BYTES_PER_SAMPLE = 8          # cf32: two float32
SIGMF_VERSION = "1.0.0"
SIGMF_SUFFIXES = (".sigmf-meta", ".sigmf-data", ".sigmf")
MAX_META_BYTES = 16 << 20     # SigMF metadata: JSON of a few kB, annotations included


def sigmf_paths(path: str | Path) -> tuple[Path, Path] | None:
    """(meta, data) paths of a SigMF recording, None for a raw cf32 path."""
    p = Path(path)
    if p.suffix not in SIGMF_SUFFIXES:
        return None
    base = p.with_suffix("")
    return base.with_suffix(".sigmf-meta"), base.with_suffix(".sigmf-data")


@dataclass(frozen=True)
class IQInput:
    """An opened recording: where the samples are, how many, and the SigMF metadata."""

    data_path: Path
    count: int                 # complex samples
    meta: dict | None          # SigMF metadata, None for raw cf32
    where: str                 # the option that named it, for messages

    @property
    def rate_hz(self) -> float | None:
        return None if self.meta is None else self.meta["global"].get("core:sample_rate")

    @property
    def frequency_hz(self) -> float | None:
        caps = [] if self.meta is None else self.meta.get("captures") or []
        return caps[0].get("core:frequency") if caps else None

    @property
    def datetime(self) -> str | None:
        caps = [] if self.meta is None else self.meta.get("captures") or []
        return caps[0].get("core:datetime") if caps else None

    def field(self, key: str) -> str:
        """Where a metadata value comes from, for messages: ``--in X.sigmf-meta core:KEY``."""
        return f"{self.where} {self.data_path.with_suffix('.sigmf-meta')} {key}"


def open_iq(path: str | Path, where: str = "--in") -> IQInput:
    """Open a cf32 file or a SigMF recording for reading; InputError naming ``where``."""
    paths = sigmf_paths(path)
    meta = None
    data = Path(path)
    if paths:
        meta_path, data = paths
        meta = _read_meta(meta_path, where)
    if not data.is_file():
        what = "is not a regular file (IQ input needs a file of known size)" \
            if data.exists() else "does not exist"
        raise InputError(f"{where} {path}: {data} {what}")
    size = data.stat().st_size
    if size % BYTES_PER_SAMPLE:
        raise InputError(f"{where} {data}: {size} bytes is not a whole number of cf32 samples "
                         f"({BYTES_PER_SAMPLE} bytes each)")
    return IQInput(data, size // BYTES_PER_SAMPLE, meta, where)


def sample_blocks(src: IQInput, block: int) -> Iterator[np.ndarray]:
    """The recording's ``src.count`` samples in consecutive blocks of at most ``block``,
    each read into one reused buffer (a view valid until the next block). Read, not memory
    mapped: a file that shrinks meanwhile ends the read with an InputError naming it (a
    mapping would die of SIGBUS at the first page past the new end)."""
    if src.count == 0:
        return
    buffer = np.empty(min(block, src.count), dtype="<c8")
    raw = memoryview(buffer).cast("B")
    with _open_input(src) as f:
        with suppress(OSError):
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_SEQUENTIAL)
        for start in range(0, src.count, buffer.size):
            n = min(buffer.size, src.count - start)
            _fill(f, raw[:n * BYTES_PER_SAMPLE], src, start)
            yield buffer[:n]


def _open_input(src: IQInput):
    """The recording's data file, unbuffered; InputError naming it when it cannot be read."""
    try:
        return open(src.data_path, "rb", buffering=0)
    except OSError as exc:
        raise InputError(f"{src.where} {src.data_path}: cannot read "
                         f"({exc.strerror or exc})") from None


def _fill(f, raw: memoryview, src: IQInput, start: int) -> None:
    """Read ``raw`` whole from ``f``; InputError when the file ends first (it shrank)."""
    done = 0
    while done < len(raw):
        try:
            got = f.readinto(raw[done:])
        except OSError as exc:
            raise InputError(f"{src.where} {src.data_path}: cannot read "
                             f"({exc.strerror or exc})") from None
        if not got:
            have = start + done // BYTES_PER_SAMPLE
            raise InputError(f"{src.where} {src.data_path}: shrank while being read (ends "
                             f"after {have:,} of its {src.count:,} samples)")
        done += got


def _read_meta(meta_path: Path, where: str) -> dict:
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
    _check_meta_types(meta, f"{where} {meta_path}")
    datatype = glob.get("core:datatype")
    if datatype != "cf32_le":
        raise InputError(f"{where} {meta_path}: core:datatype {datatype!r} is not supported "
                         f"(cf32_le only)")
    if glob.get("core:num_channels", 1) != 1:
        raise InputError(f"{where} {meta_path}: core:num_channels "
                         f"{glob['core:num_channels']} (one channel only)")
    return meta


def _check_meta_types(meta: dict, where: str) -> None:
    """The SigMF core fields ntnstack reads have their specified JSON types (sigmf-spec:
    sample_rate and frequency numbers, datetime a string, captures and annotations arrays
    of objects)."""
    rate = meta["global"].get("core:sample_rate")
    if rate is not None and not _is_number(rate):
        raise InputError(f"{where}: global core:sample_rate {rate!r} is not a number")
    for name in ("captures", "annotations"):
        items = meta.get(name, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise InputError(f"{where}: {name} must be an array of objects")
    for i, cap in enumerate(meta.get("captures") or []):
        freq, when = cap.get("core:frequency"), cap.get("core:datetime")
        if freq is not None and not _is_number(freq):
            raise InputError(f"{where}: captures[{i}] core:frequency {freq!r} is not a number")
        if when is not None and not isinstance(when, str):
            raise InputError(f"{where}: captures[{i}] core:datetime {when!r} is not a string")


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class IQWriter:
    """Writes complex64 chunks to a cf32 file or a SigMF recording (metadata on close).

    ``meta``: the input's SigMF metadata to carry over (None: start a new one); ``rate_hz``,
    ``frequency_hz``, ``datetime`` fill the core fields; ``annotation`` is added over the
    whole output (label, comment, ntnstack: fields), declared as the ``ntnstack`` extension.
    """

    def __init__(self, path: str | Path, *, rate_hz: float, frequency_hz: float | None,
                 datetime: str | None, meta: dict | None, annotation: dict,
                 where: str = "--out"):
        self.paths = sigmf_paths(path)
        self.data_path = self.paths[1] if self.paths else Path(path)
        self.count = 0
        self._meta = self._base_meta(meta, rate_hz, frequency_hz, datetime)
        self._annotation = annotation
        self._where = f"{where} {path}"
        # a regular file is written beside it and renamed over it at close: a run killed
        # midway leaves the old output whole (and a .part file), never new samples over an
        # old tail; a pipe, FIFO or device is written directly
        self._part: Path | None = None
        try:
            if self.data_path.exists() and not self.data_path.is_file():
                self._fd = os.open(self.data_path, os.O_WRONLY | os.O_CLOEXEC)
            else:   # through a symlink: the file it names is replaced
                self.data_path = Path(os.path.realpath(self.data_path))
                self._part = self.data_path.with_name(
                    f".{self.data_path.name}.{os.getpid()}.part")
                self._fd = os.open(self._part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC
                                   | os.O_CLOEXEC, 0o666)
        except OSError as exc:
            raise self._cannot_write(exc) from None

    def _cannot_write(self, exc: OSError) -> InputError:
        return InputError(f"{self._where}: cannot write ({exc.strerror or exc})")

    @staticmethod
    def _base_meta(meta, rate_hz, frequency_hz, datetime) -> dict:
        out = copy.deepcopy(meta) if meta else {"global": {}, "captures": [], "annotations": []}
        glob = out["global"]
        glob.update({"core:datatype": "cf32_le", "core:sample_rate": float(rate_hz)})
        glob.setdefault("core:version", SIGMF_VERSION)
        ext = [e for e in glob.get("core:extensions", []) if e.get("name") != "ntnstack"]
        glob["core:extensions"] = [*ext, {"name": "ntnstack", "version": "0.1.0",
                                          "optional": True}]
        if not out.get("captures"):
            capture = {"core:sample_start": 0}
            if frequency_hz is not None:
                capture["core:frequency"] = float(frequency_hz)
            if datetime:
                capture["core:datetime"] = datetime
            out["captures"] = [capture]
        out.setdefault("annotations", [])
        return out

    def write(self, block: np.ndarray) -> None:
        """Append ``block``; InputError naming the output when the write fails (a full disk)."""
        data = memoryview(np.ascontiguousarray(block, dtype="<c8")).cast("B")
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except OSError as exc:
            raise self._cannot_write(exc) from None
        self.count += block.size

    def close(self) -> None:
        """Cut a regular file after the samples written (a failed write's partial block
        goes), close it and put it in place, then write the SigMF metadata."""
        try:
            try:
                if self._part is not None:
                    os.ftruncate(self._fd, self.count * BYTES_PER_SAMPLE)
            finally:
                os.close(self._fd)
            if self._part is not None:
                self._put_in_place()
        except OSError as exc:
            if self._part is not None:
                with suppress(OSError):
                    self._part.unlink()
            raise self._cannot_write(exc) from None
        if self.paths:
            note = {"core:sample_start": 0, "core:sample_count": self.count,
                    **self._annotation}
            self._meta["annotations"] = sorted([*self._meta["annotations"], note],
                                               key=lambda a: a.get("core:sample_start", 0))
            self.paths[0].write_text(json.dumps(self._meta, indent=2) + "\n")

    def _put_in_place(self) -> None:
        """Rename the finished .part file to the output's name. An old output is unlinked
        first: renamed over, ext4 (auto_da_alloc) would write the new file's pages out inside
        the rename (20 ms for 32 MiB here, as long as the channel itself). Only a kill between
        the two calls leaves no output, and then the new one whole as the .part file."""
        with suppress(FileNotFoundError):
            self.data_path.unlink()
        os.replace(self._part, self.data_path)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abandon()

    def abandon(self) -> None:
        """End without a result (the command failed): the .part file goes and an old output
        stays as it was; a pipe or device keeps what it was sent."""
        with suppress(OSError):
            os.close(self._fd)
        if self._part is not None:
            with suppress(OSError):
                self._part.unlink()
