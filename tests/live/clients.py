"""What the live tests share: a real websockets client that reads a service to its end, and
the `ntnstack sib encode` of the default scenario's GEO cell (the independent path to its
UPER bytes)."""
import json
import subprocess
import sys

import websockets

from ntnstack.clock import format_iso8601

CLI = [sys.executable, "-m", "ntnstack"]


async def collect(port: int, send=()) -> list[dict]:
    """Every message of the service on ``port`` until it closes (after sending ``send``)."""
    got = []
    # generous open timeout: 100 clients connect at once on a shared, busy machine
    async with websockets.connect(f"ws://127.0.0.1:{port}", open_timeout=120) as ws:
        for request in send:
            await ws.send(request)
        try:
            async for raw in ws:
                got.append(json.loads(raw))
        except websockets.ConnectionClosed:
            pass
    return got


def encode_geo_cell_sib(scenario, sent_unix_s: float) -> str:
    """UPER hex of the SIB31-NB the default scenario's geo-cell sends at ``sent_unix_s``, by
    `ntnstack sib encode` (the cell's satellite, gateway, validity and SFN 0)."""
    gw = scenario.gateways["gw-beijing"].position
    out = subprocess.run([*CLI, "sib", "encode", "--kind", "sib31-nb", "--sat",
                          "preset:tr38821-geo", "--time", format_iso8601(sent_unix_s),
                          "--gateway", f"{gw.lat_deg},{gw.lon_deg},{gw.alt_m}",
                          "--validity-s", "60", "--sfn0", format_iso8601(scenario.start_unix_s)],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()
