"""Checks on the paths a command writes: output directories, symlinks to ptys.

Each check runs before the work starts, so that a bad ``--out`` or ``--link`` costs one line
and exit status 2 (InputError naming the option), not a traceback after minutes of a run.
"""
from __future__ import annotations

import os
from pathlib import Path

from ntnstack.errors import InputError

__all__ = ["output_dir", "symlink_path"]

# Kernel file systems: writing there is never an output (and may change the machine). A pty
# symlink may go to /dev (gpsd and udev rules look there); an output directory may not.
_KERNEL_DIRS = (Path("/proc"), Path("/sys"))


def _refuse_kernel(path: Path, where: str, dirs: tuple[Path, ...] = _KERNEL_DIRS) -> None:
    if any(path == k or k in path.parents for k in dirs):
        raise InputError(f"{where} {path}: under {', '.join(map(str, dirs))}, a kernel file "
                         f"system; give a path on a disk")


def output_dir(path: str | Path, where: str = "--out") -> Path:
    """``path`` as a writable directory (created with its parents when missing)."""
    p = Path(path)
    if not str(path).strip():
        raise InputError(f"{where}: empty path")
    _refuse_kernel(p.resolve(), where, (*_KERNEL_DIRS, Path("/dev")))
    if p.exists() and not p.is_dir():
        raise InputError(f"{where} {path}: exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{where} {path}: cannot create the directory "
                         f"({exc.strerror or exc})") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise InputError(f"{where} {path}: the directory is not writable")
    return p


def symlink_path(path: str | None, where: str = "--link") -> str | None:
    """A path for a symlink the command (re)creates: absent, or already a symlink."""
    if path is None:
        return None
    p = Path(path)
    if not str(path).strip():
        raise InputError(f"{where}: empty path")
    _refuse_kernel(p.parent.resolve(), where)
    if p.exists() and not p.is_symlink():
        kind = "a directory" if p.is_dir() else "a file"
        raise InputError(f"{where} {path}: {kind} is there; give a new path (the symlink to the "
                         f"pty is created and removed at exit)")
    if not p.parent.resolve().is_dir():
        raise InputError(f"{where} {path}: no directory {p.parent}")
    return path
