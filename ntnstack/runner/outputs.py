"""The files of a run's output folder. The journal (results.sqlite) keeps every run; every
other file is the evidence of one run, and a new run removes the previous run's first, so a
rerun into the same folder never leaves another scenario's serial logs or captures beside
its own."""
from __future__ import annotations

import shutil
from pathlib import Path

EVIDENCE_DIRS = ("serial",)
"""Folders of one run's evidence (serial/TERMINAL.rawlog: every byte at each port)."""
EVIDENCE_FILES = ("junit.xml", "report.html", "timeline.json", "capture.pcap",
                  "capture-*.pcap", "capture-frames.json", "stack-*.pcap",
                  "certification.json", "certification.md")
"""Files of one run's evidence (patterns); nothing else in the folder is touched."""


def clear_evidence(out_dir: str | Path) -> None:
    """Remove the previous run's evidence from ``out_dir`` (the journal stays)."""
    out = Path(out_dir)
    for name in EVIDENCE_DIRS:
        if (out / name).is_dir():
            shutil.rmtree(out / name)
    for pattern in EVIDENCE_FILES:
        for path in out.glob(pattern):
            path.unlink()
