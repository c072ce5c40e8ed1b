"""``ntnstack --help`` stays fast (issue 16: under 120 ms): building the whole parser, every
command's options included, loads neither numpy nor the C core. The time itself is a
benchmark (tests/cli/test_bench_startup.py, BENCHMARKS.md); here the imports that cost it are
checked."""
import subprocess
import sys

HEAVY = ("numpy", "phy_ffi", "asn1tools", "scapy", "serial", "yaml", "websockets")


def test_building_the_parser_loads_no_numerics():
    code = ("import sys; from ntnstack.cli import build_parser; build_parser(); "
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
