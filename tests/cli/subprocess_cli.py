"""The command line as a user runs it: ``python -m ntnstack ...`` in a subprocess."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BEIJING = "39.9042,116.4074,50"   # the reference terminal (ntnstack.orbit.REFERENCE_UE)


def ntnstack(*args: str, timeout_s: float = 60.0) -> subprocess.CompletedProcess:
    """Run ``ntnstack ARGS`` from the repository root; stdout and stderr as text."""
    return subprocess.run([sys.executable, "-m", "ntnstack", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout_s)
