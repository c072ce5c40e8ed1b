"""ASN.1 specifications compiled with asn1tools, their parse kept on disk between runs.

asn1tools parses the ASN.1 text with pyparsing (0.3-0.5 s for each of the RRC subsets, the
larger part of a compile) and then compiles the parsed form (a dict of builtins) for a codec
(tens of ms). ``compile_asn1_files`` keeps the parsed form in the user's cache directory
(``$XDG_CACHE_HOME/ntnstack/asn1``, default ``~/.cache/ntnstack/asn1``), one file per
SHA-256 of the ASN.1 text, the asn1tools version and the Python version: an edited file or
another asn1tools is a new key, never a stale parse. The cached parse is read back by an
unpickler that admits builtins only; a cache that cannot be read or written (a read-only
home, a damaged file) costs only the parse. The compiled result is the same either way
(tests/stack/test_asn1_cache.py).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import sys
import threading
from pathlib import Path

import asn1tools

__all__ = ["cache_dir", "compile_asn1_files", "parsed_asn1"]

FORMAT = "1"      # bump when what is stored changes


def cache_dir() -> Path:
    """Where parsed specifications are kept: $XDG_CACHE_HOME/ntnstack/asn1."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ntnstack" / "asn1"


class _BuiltinsOnly(pickle.Unpickler):
    """Loads dicts, lists, tuples, strings and numbers; refuses any class or function."""

    def find_class(self, module: str, name: str):
        raise pickle.UnpicklingError(f"{module}.{name}: not a builtin value")


def _key(text: str) -> str:
    tag = f"{FORMAT}|{asn1tools.__version__}|{sys.version_info[:2]}|"
    return hashlib.sha256((tag + text).encode("utf-8")).hexdigest()


def _load(path: Path) -> dict | None:
    try:
        parsed = _BuiltinsOnly(io.BytesIO(path.read_bytes())).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            AttributeError, KeyError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _store(path: Path, parsed: dict) -> None:
    """Write atomically (a concurrent reader sees the old file or the whole new one)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(parsed, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def parsed_asn1(text: str, name: str, directory: Path | None = None) -> dict:
    """``asn1tools.parse_string(text)``, from the cache when an earlier run parsed the same
    text; ``name`` labels the cache file (the ASN.1 file's stem)."""
    path = (directory or cache_dir()) / f"{name}-{_key(text)[:32]}.pickle"
    parsed = _load(path)
    if parsed is None:
        parsed = asn1tools.parse_string(text)
        _store(path, parsed)
    return parsed


def compile_asn1_files(paths: list[Path], codec: str, directory: Path | None = None):
    """``asn1tools.compile_files(paths, codec)`` with the parse cached (``parsed_asn1``)."""
    text = "".join(Path(p).read_text(encoding="utf-8") + "\n" for p in paths)  # as parse_files
    name = "+".join(Path(p).stem for p in paths)
    return asn1tools.compile_dict(parsed_asn1(text, name, directory), codec)
