"""IQ recordings on disk: raw cf32 files and SigMF recordings, read and written in chunks.

cf32: interleaved little-endian float32 I, Q (GNU Radio's complex file, SigMF ``cf32_le``),
no header. SigMF (sigmf.org, core namespace v1.x): ``NAME.sigmf-meta`` (JSON: global,
captures, annotations) next to ``NAME.sigmf-data`` (the samples). Any path ending in
``.sigmf-meta``, ``.sigmf-data`` or ``.sigmf`` is a SigMF recording; anything else is raw
cf32. Only single-channel ``cf32_le`` SigMF data is read; other datatypes are refused with
their name. The metadata, and the output's, are ntnstack.iq.sigmf's.

Samples are read by offset (pread) into reused buffers, skipping a SigMF recording's header
and trailing bytes, and written beside an existing output, renamed over it at the end.
"""
from __future__ import annotations

import bisect
import json
import os
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ntnstack.errors import InputError
from ntnstack.iq.sigmf import Segment, dataset_path, output_meta, read_meta, segments

__all__ = ["BYTES_PER_SAMPLE", "IQInput", "IQWriter", "sample_blocks", "open_iq",
           "sigmf_paths"]

BYTES_PER_SAMPLE = 8          # cf32: two float32
SIGMF_SUFFIXES = (".sigmf-meta", ".sigmf-data", ".sigmf")


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
    segments: tuple[Segment, ...] = (Segment(0, 0),)   # where each capture's samples are
    meta_path: Path | None = None                       # the SigMF metadata file

    @property
    def rate_hz(self) -> float | None:
        return None if self.meta is None else self.meta["global"].get("core:sample_rate")

    @property
    def first_capture(self) -> dict:
        """captures[0] of the SigMF metadata ({} for raw cf32 or no capture)."""
        caps = [] if self.meta is None else self.meta.get("captures") or []
        return caps[0] if caps else {}

    @property
    def frequency_hz(self) -> float | None:
        return self.first_capture.get("core:frequency")

    def start_unix_s(self, rate_hz: float) -> float | None:
        """Time of sample 0 (unix s) from captures[0] core:datetime, the time of its
        core:sample_start; None without one."""
        cap = self.first_capture
        if cap.get("core:datetime") is None:
            return None
        from ntnstack.clock import parse_iso8601

        recorded = parse_iso8601(cap["core:datetime"], self.field("core:datetime"))
        return recorded - cap.get("core:sample_start", 0) / rate_hz

    def field(self, key: str) -> str:
        """Where a metadata value comes from, for messages: ``--in X.sigmf-meta core:KEY``."""
        return f"{self.where} {self.meta_path} {key}"

    def byte_offset(self, sample: int) -> tuple[int, int]:
        """(byte offset of ``sample`` in the data file, samples from it to the end of its
        capture, or to the end of the recording)."""
        starts = [s.first_sample for s in self.segments]
        k = bisect.bisect_right(starts, sample) - 1
        end = starts[k + 1] if k + 1 < len(starts) else self.count
        seg = self.segments[k]
        return seg.byte_offset + (sample - seg.first_sample) * BYTES_PER_SAMPLE, end - sample


def open_iq(path: str | Path, where: str = "--in") -> IQInput:
    """Open a cf32 file or a SigMF recording for reading; InputError naming ``where``."""
    paths = sigmf_paths(path)
    meta = meta_path = None
    data = Path(path)
    if paths:
        meta_path = paths[0]
        meta = read_meta(meta_path, where)
        data = dataset_path(meta, meta_path, where)
    if not data.is_file():
        what = "is not a regular file (IQ input needs a file of known size)" \
            if data.exists() else "does not exist"
        raise InputError(f"{where} {path}: {data} {what}")
    size = data.stat().st_size
    if meta is not None:
        count, parts = segments(meta, size, BYTES_PER_SAMPLE, f"{where} {meta_path}")
        return IQInput(data, count, meta, where, parts, meta_path)
    if size % BYTES_PER_SAMPLE:
        raise InputError(f"{where} {data}: {size} bytes is not a whole number of cf32 samples "
                         f"({BYTES_PER_SAMPLE} bytes each)")
    return IQInput(data, size // BYTES_PER_SAMPLE, meta, where)


def sample_blocks(src: IQInput, block: int) -> Iterator[np.ndarray]:
    """The recording's ``src.count`` samples in consecutive blocks of at most ``block``,
    each read into one reused buffer (a view valid until the next block); a block that spans
    two captures is read in two pieces (a header may lie between them). Read, not memory
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
            _fill(f.fileno(), raw[:n * BYTES_PER_SAMPLE], src, start)
            yield buffer[:n]


def _open_input(src: IQInput):
    """The recording's data file, unbuffered; InputError naming it when it cannot be read."""
    try:
        return open(src.data_path, "rb", buffering=0)
    except OSError as exc:
        raise InputError(f"{src.where} {src.data_path}: cannot read "
                         f"({exc.strerror or exc})") from None


def _fill(fd: int, raw: memoryview, src: IQInput, start: int) -> None:
    """Read samples ``start``.. of the recording into ``raw`` whole, by offset; InputError
    when the file ends first (it shrank)."""
    done = 0
    while done < len(raw):
        sample, within = divmod(start * BYTES_PER_SAMPLE + done, BYTES_PER_SAMPLE)
        offset, left = src.byte_offset(sample)
        piece = raw[done:done + left * BYTES_PER_SAMPLE - within]
        try:
            got = os.preadv(fd, [piece], offset + within)
        except OSError as exc:
            raise InputError(f"{src.where} {src.data_path}: cannot read "
                             f"({exc.strerror or exc})") from None
        if not got:
            raise InputError(f"{src.where} {src.data_path}: shrank while being read (ends "
                             f"after {sample:,} of its {src.count:,} samples)")
        done += got


class IQWriter:
    """Writes complex64 chunks to a cf32 file or a SigMF recording (metadata on close).

    ``meta``: the input's SigMF metadata to carry over (None: start a new one); ``rate_hz``,
    ``frequency_hz`` and ``start_unix_s`` (the time of sample 0) fill the core fields
    (ntnstack.iq.sigmf.output_meta); ``annotation`` is added over the whole output (label,
    comment, ntnstack: fields), declared as the ``ntnstack`` extension.
    """

    def __init__(self, path: str | Path, *, rate_hz: float, frequency_hz: float | None,
                 start_unix_s: float | None, meta: dict | None, annotation: dict,
                 where: str = "--out"):
        self.paths = sigmf_paths(path)
        self.data_path = self.paths[1] if self.paths else Path(path)
        self.count = 0
        self._meta = output_meta(meta, rate_hz=rate_hz, frequency_hz=frequency_hz,
                                 start_unix_s=start_unix_s)
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
