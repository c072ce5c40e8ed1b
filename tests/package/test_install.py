"""``pip install .`` (not editable) from a clone into a fresh venv gives a working tool: the C
extension is built by setup.py's cffi hook and every file loaded at run time is package data
(issue 15). Slow (about a minute: a venv, the dependencies from the pip cache or PyPI, the C
build) but run everywhere, CI included."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ntnstack import __version__

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _clone(dest: Path) -> Path:
    """The files a clone has (tracked, plus new files not ignored), without build products."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, check=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


def _run(cmd: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    res = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                         text=True, timeout=timeout)
    assert res.returncode in (0, 1), f"{cmd}: exit {res.returncode}\n{res.stderr[-2000:]}"
    return res


def test_pip_install_from_a_clone_gives_a_working_tool(tmp_path):
    clone = _clone(tmp_path / "clone")
    assert not list(clone.glob("phy_ffi/_ntnphy*.so")), "the clone must not carry a build"
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"
    res = _run([bin_dir / "python", "-m", "pip", "install", "-q", str(clone)], tmp_path, 600)
    assert res.returncode == 0, res.stderr[-3000:]
    work = tmp_path / "elsewhere"     # not the clone: nothing may come from the source tree
    work.mkdir()

    where = _run([bin_dir / "python", "-c", "import ntnstack, phy_ffi._ntnphy as m; "
                  "print(ntnstack.__file__); print(m.__file__)"], work)
    assert all(line.startswith(str(venv)) for line in where.stdout.split()), where.stdout

    assert _run([bin_dir / "ntnstack", "--help"], work).returncode == 0
    version = _run([bin_dir / "python", "-m", "ntnstack", "--version"], work)
    assert version.returncode == 0 and version.stdout.split() == ["ntnstack", __version__]

    listed = _run([bin_dir / "ntnstack", "certify", "--list"], work)
    shipped = sorted(p.stem for p in (ROOT / "ntnstack/configs/certification").glob("*.yaml"))
    assert listed.returncode == 0 and listed.stdout.split() == shipped

    run = _run([bin_dir / "ntnstack", "run", "--json", "--out", "out"], work)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    out = work / "out"
    for name in ("junit.xml", "report.html", "results.sqlite", "capture.pcap"):
        assert (out / name).is_file(), name
    assert list((out / "serial").iterdir())
