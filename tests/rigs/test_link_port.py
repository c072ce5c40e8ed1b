"""A testbed port may be the link ``ntnstack module serve --link`` makes (docs/rigs.md serves
virtual modules that way): the run opens the module through it, as through a /dev path."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.rigs.conftest import MODULE_SPEED, wait_for

SMOKE = Path(__file__).with_name("tiantong-one.yaml")   # tt-a powers on and registers


def test_a_run_drives_a_module_through_its_served_link(tmp_path):
    link = tmp_path / "ttyNTN0"
    module = subprocess.Popen([sys.executable, "-m", "ntnstack", "module", "serve", "--family",
                               "tiantong", "--link", str(link), "--speed", str(MODULE_SPEED)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(f"module {link}", link.exists, proc=module)
        bed = tmp_path / "bed.yaml"
        bed.write_text(f"name: link\nports:\n  tt-a: {{url: {link}, family: tiantong}}\n")
        run = subprocess.run([sys.executable, "-m", "ntnstack", "run", str(SMOKE), "--testbed",
                              str(bed), "--out", str(tmp_path / "o"), "--json"],
                             capture_output=True, text=True, timeout=180)
    finally:
        module.terminate()
        module.wait(timeout=30)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert [s["status"] for s in result["steps"]] == ["passed", "passed"], result
