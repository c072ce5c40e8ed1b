#!/usr/bin/env python3
"""Build wiring and project tasks for ntnstack.

The module-level ``ffibuilder`` is a cffi builder in API out-of-line mode over an explicit
list of C sources; it produces ``phy_ffi._ntnphy``. It is the only builder: setup.py hands it
to setuptools (``cffi_modules``) for ``pip install .``, and the ``compile`` task uses it for
the source tree. This file never imports the packages it builds (ntnstack, phy_ffi,
at_bridge).

Tasks (run with the system python3; everything else happens in ``.venv``)::

    python3 build.py setup            # .venv, install project + test deps, compile the C core
    python3 build.py demo             # setup, then the default job (ntnstack demo + run)
    python3 build.py test [--sanitize] [PYTEST ARGS]  # setup, then every test
    python3 build.py bench            # setup, then the benchmarks -> BENCHMARKS.md
    python3 build.py docs             # setup, then docs/drivers.md and the generated part of
                                      # docs/scenarios.md
    python3 build.py compile [--sanitize]              # the C core only (needs cffi)

System libraries loaded at run time, not built here: libusrsctp (Debian libusrsctp2, with
libusrsctp-dev for its header) for S1AP over userspace SCTP (``ntnstack mme`` / ``enb``);
.ci/run installs it with the other system packages.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
HEADER = ROOT / "csrc" / "include" / "ntn_phy.h"
C_SOURCES = [
    "csrc/status.c",
    "csrc/geometry.c",
    "csrc/ephemeris.c",
    "csrc/link.c",
    "csrc/timing.c",
    "csrc/pathloss.c",
    "csrc/ue_ephemeris.c",
    "csrc/iq_channel.c",
    "csrc/iq_noise.c",
]
WARNINGS = ["-O2", "-Wall", "-Wextra", "-Werror", "-std=c11", "-fno-math-errno"]
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
            "-fno-omit-frame-pointer", "-g"]
BUILD_DIR = ROOT / "build"
ASAN_EXT_DIR = BUILD_DIR / "asan" / "phy_ffi"
BENCH_JSON = BUILD_DIR / "bench.json"
BENCH_MD = ROOT / "BENCHMARKS.md"
BENCH_BEGIN, BENCH_END = "<!-- bench:begin -->", "<!-- bench:end -->"


def header_cdef(text: str) -> str:
    """Turn ntn_phy.h into cffi cdef text: drop comments and preprocessor lines, declare
    floating constants as ``static const double`` and integer ones as ``#define X ...``."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    text = re.sub(r"//[^\n]*", "", text)
    out = []
    for line in text.splitlines():
        match = re.match(r"\s*#define\s+(NTN_[A-Z0-9_]+)\s+(\S.*)$", line)
        if match:
            name, value = match.groups()
            is_float = re.search(r"[.eE]", value) and not value.strip().startswith("0x")
            out.append(f"static const double {name};" if is_float else f"#define {name} ...")
        elif not line.lstrip().startswith("#") and "extern \"C\"" not in line:
            out.append(line)
    return "\n".join(out)


def make_builder(sanitize: bool = False, relative: bool = False):
    """The cffi builder for phy_ffi._ntnphy (optionally with ASan + UBSan). ``relative``: the
    paths relative to this folder, as setuptools requires (it builds with this folder as the
    working directory); else absolute, as ``compile`` needs (cffi compiles in its tmpdir)."""
    from cffi import FFI

    def where(path: str) -> str:
        return path if relative else str(ROOT / path)

    builder = FFI()
    builder.cdef(header_cdef(HEADER.read_text()))
    flags = WARNINGS + (SANITIZE if sanitize else [])
    builder.set_source(
        "phy_ffi._ntnphy",
        '#include "ntn_phy.h"',
        sources=[where(s) for s in C_SOURCES],
        include_dirs=[where("csrc/include")],
        extra_compile_args=flags,
        extra_link_args=(["-fsanitize=address,undefined"] if sanitize else []) + ["-lm"],
    )
    return builder


try:  # setup.py's cffi_modules entry
    ffibuilder = make_builder(relative=True)
except ImportError:  # plain python3 without cffi: only the task runner is needed
    ffibuilder = None


# ---------------------------------------------------------------- tasks
def run(cmd: list[str], **kw) -> None:
    """Run a command, echoing it; exit with its status if it fails."""
    print("+", " ".join(str(c) for c in cmd), flush=True)
    rc = subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)
    if rc != 0:
        sys.exit(rc)


def _sources_digest() -> str:
    digest = hashlib.sha256()
    headers = sorted((ROOT / "csrc").rglob("*.h"))  # ntn_phy.h and the internal ones
    for path in [*headers, *(ROOT / s for s in C_SOURCES), Path(__file__)]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def compile_core(sanitize: bool = False) -> None:
    """Compile the C core (skipped when the sources did not change; one build at a time)."""
    import fcntl

    BUILD_DIR.mkdir(exist_ok=True)
    with open(BUILD_DIR / "compile.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _compile_locked(sanitize)


def _compile_locked(sanitize: bool) -> None:
    tmp = BUILD_DIR / ("asan" if sanitize else "normal")
    stamp = tmp / "sources.sha256"
    target_dir = ASAN_EXT_DIR if sanitize else ROOT / "phy_ffi"
    built = list(target_dir.glob("_ntnphy*.so"))
    if built and stamp.exists() and stamp.read_text() == _sources_digest():
        return
    tmp.mkdir(parents=True, exist_ok=True)
    so_path = Path(make_builder(sanitize).compile(tmpdir=str(tmp), verbose=False))
    if not sanitize:
        for old in target_dir.glob("_ntnphy*.so"):
            old.unlink()
        shutil.copy2(so_path, target_dir / so_path.name)
    stamp.write_text(_sources_digest())
    print(f"compiled {so_path.name}{' (ASan+UBSan)' if sanitize else ''}")


def setup() -> None:
    """Create .venv if missing, install the project with test extras, compile the core.
    setuptools is installed explicitly: cffi compiles with it, and a Python 3.12 venv has
    none."""
    if not VENV_PY.exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    stamp = VENV / ".ntnstack-installed"
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text() != want:
        run([VENV_PY, "-m", "pip", "install", "-q", "--upgrade", "pip", "setuptools>=68"])
        run([VENV_PY, "-m", "pip", "install", "-q", "-e", ".[test]"])
        run([VENV_PY, "-m", "pip", "install", "-q", "-e", ".[labgrid]"])  # tests/rigs
        stamp.write_text(want)
    run([VENV_PY, str(Path(__file__)), "compile"])


def sanitizer_env() -> dict[str, str]:
    """Environment that loads the ASan+UBSan build of the core into the test interpreter."""
    libs = []
    for name in ("libasan.so", "libubsan.so"):
        path = subprocess.check_output(["gcc", f"-print-file-name={name}"], text=True).strip()
        libs.append(path)
    env = dict(os.environ)
    env.update(
        LD_PRELOAD=" ".join(libs),
        NTNPHY_EXT_DIR=str(ASAN_EXT_DIR),
        ASAN_OPTIONS="detect_leaks=0:abort_on_error=1",
        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
    )
    return env


def test(args: list[str]) -> None:
    """Every test, in parallel on every core (benchmarks run once each, untimed); --sanitize
    runs the C-core tests against the ASan+UBSan build."""
    setup()
    if "--sanitize" in args:
        args = [a for a in args if a != "--sanitize"]
        run([VENV_PY, str(Path(__file__)), "compile", "--sanitize"])
        run([VENV_PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--benchmark-disable",
             "-m", "not no_sanitizer", "tests/phy", *args], env=sanitizer_env())
        return
    parallel = [] if any(a.startswith(("-n", "--numprocesses", "-p")) for a in args) else \
        ["-n", "auto"]   # pytest-xdist; results do not depend on it (docs/time.md)
    run([VENV_PY, "-m", "pytest", "-q", "--benchmark-disable", *parallel, *args])


def bench(args: list[str]) -> None:
    """Run the benchmarks and write their figures (with ratios to each group's baseline)."""
    setup()
    BUILD_DIR.mkdir(exist_ok=True)
    run([VENV_PY, "-m", "pytest", "-q", "-p", "no:xdist", "--benchmark-only",
         f"--benchmark-json={BENCH_JSON}", *args])
    write_bench_table(json.loads(BENCH_JSON.read_text()))


def bench_rows(data: dict) -> list[str]:
    """Markdown rows: group, case, mean, items/s, ratio to the group's baseline, extra figures."""
    groups: dict[str, list[dict]] = {}
    for b in data["benchmarks"]:
        groups.setdefault(b.get("group") or b["name"], []).append(b)
    rows = []
    for group, cases in sorted(groups.items()):
        base = next((c for c in cases if c["extra_info"].get("baseline")), None)
        for c in cases:
            mean = c["stats"]["mean"]
            items = c["extra_info"].get("items")
            rate = f"{items / mean:,.0f}/s" if items else ""
            ratio = f"{base['stats']['mean'] / mean:.2f}x" if base else ""
            notes = ", ".join(f"{k} {v}" for k, v in c["extra_info"].items()
                              if k not in ("baseline", "items"))
            rows.append(f"| {group} | {c['name']} | {mean * 1e3:.3f} ms | {rate} | {ratio} "
                        f"| {notes} |")
    return rows


def write_bench_table(data: dict) -> None:
    """Replace the generated block of BENCHMARKS.md with this run's figures."""
    machine = data.get("machine_info", {})
    lines = [BENCH_BEGIN,
             f"Generated by `python3 build.py bench` on {data.get('datetime', '?')[:19]}, "
             f"{machine.get('cpu', {}).get('brand_raw', machine.get('processor', '?'))}.",
             "Ratio = baseline mean / this case's mean (higher is faster than the baseline).", "",
             "| group | case | mean | throughput | vs baseline | notes |",
             "| --- | --- | --- | --- | --- | --- |", *bench_rows(data), BENCH_END]
    text = BENCH_MD.read_text() if BENCH_MD.exists() else "# Benchmarks\n\n"
    if BENCH_BEGIN in text:
        head, rest = text.split(BENCH_BEGIN, 1)
        text = head + "\n".join(lines) + rest.split(BENCH_END, 1)[1]
    else:
        text += "\n" + "\n".join(lines) + "\n"
    BENCH_MD.write_text(text)
    print(f"wrote {BENCH_MD.name}")


def docs(args: list[str]) -> None:
    """Rewrite the generated docs: the action table of docs/scenarios.md, docs/drivers.md."""
    setup()
    run([VENV_PY, "-c", "from pathlib import Path; "
         "from ntnstack.scenario.reference import rewrite; "
         "p = Path('docs/scenarios.md'); p.write_text(rewrite(p.read_text())); "
         "from at_bridge.drivers.reference import markdown; "
         "Path('docs/drivers.md').write_text(markdown())"])


DEMO_OUT = ROOT / "out" / "demo"


def demo(args: list[str]) -> None:
    """Set up, then the default job: the link physics of the reference satellites
    (``ntnstack demo``), then the default scenario (``ntnstack run``) into out/demo."""
    setup()
    run([VENV / "bin" / "ntnstack", "demo"])
    run([VENV / "bin" / "ntnstack", "run", "--out", DEMO_OUT, *args])
    print(f"\nresults in {DEMO_OUT.relative_to(ROOT)}/: report.html, junit.xml, results.sqlite,"
          " capture.pcap, serial/")


def main(argv: list[str]) -> None:
    tasks = {"setup": lambda a: setup(), "demo": demo, "test": test, "bench": bench, "docs": docs,
             "compile": lambda a: compile_core(sanitize="--sanitize" in a)}
    if not argv or argv[0] not in tasks:
        print(__doc__)
        sys.exit(2)
    tasks[argv[0]](argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
