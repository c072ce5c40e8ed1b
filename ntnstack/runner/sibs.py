"""capture.pcap: the system information the scenario's cells broadcast (SIB31 / SIB31-NB /
SIB19 built by ntnstack.rrc from the emulated orbit, wrapped by ntnstack.capture with the
dissector name tshark needs), at the cell's SIB period while its satellite serves one of the
cell's terminals, each at the start of the first SI window of its SI message at or after that
instant (TS 36.331 5.2.3 / 5.2.3a), merged in time order with the protocol shadow's and the
modules' RRC / NAS messages."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ntnstack.scenario.model import Cell, Scenario

MAX_SIBS_PER_CELL = 300
"""At most this many SIBs per cell in the capture (evenly thinned beyond it)."""


def cell_config(scenario: Scenario, cell: Cell):
    import phy_ffi
    from ntnstack.rrc.builders import CellConfig

    gw = None
    if cell.gateway:
        p = scenario.gateways[cell.gateway].position
        gw = tuple(float(x) for x in phy_ffi.geodetic_to_ecef(p.lat_deg, p.lon_deg,
                                                              p.alt_m).ecef_m[0])
    return CellConfig(kind=cell.sib, payload=cell.payload, gateway_ecef_m=gw,
                      validity_s=cell.validity_s, min_elevation_deg=scenario.min_elevation_deg,
                      sfn0_unix_s=scenario.start_unix_s, gateway_name=cell.gateway,
                      k_offset_ms=None if cell.k_offset == "auto" else int(cell.k_offset))


def broadcast_config(scenario: Scenario, cell: Cell, source):
    """(CellConfig with the SI schedule the cell's broadcast follows, the ntnstack.stack
    cell of an NB-IoT cell or None). An NB-IoT cell's SIB31-NB goes in the SI message and
    window its SIB1-NB announces (ntnstack.stack.cell: 2nd SI message, si-Periodicity rf128,
    si-WindowLength ms160, si-RadioFrameOffset 1); LTE-M and NR cells keep CellConfig's."""
    config = cell_config(scenario, cell)
    if cell.sib != "sib31-nb":
        return config, None
    from ntnstack.stack import SatelliteCell

    stack_cell = SatelliteCell(source, config)
    return stack_cell.config, stack_cell


def sib_times(scenario: Scenario, world, cell_name: str, end_s: float) -> np.ndarray:
    """Broadcast times (emulated s since the start) of one cell within [0, end_s]: while a
    terminal of the cell sees the satellite (for a transparent payload ``visible`` also needs
    the gateway to see it: no feeder link, no cell)."""
    cell = scenario.cells[cell_name]
    t = np.arange(0.0, max(end_s, 0.0), cell.sib_period_s)
    users = [n for n, term in scenario.terminals.items() if term.cell == cell_name]
    if not users or t.size == 0:
        return t[:0]
    seen = np.zeros(t.shape, dtype=bool)
    for name in users:
        seen |= world.series(name, scenario.start_unix_s + t).visible
    t = t[seen]
    if t.size > MAX_SIBS_PER_CELL:
        t = t[np.linspace(0, t.size - 1, MAX_SIBS_PER_CELL).astype(int)]
    return t


def write_capture(scenario: Scenario, world, end_s: float, path: str | Path,
                  extra_pcaps: list[Path] = (), imsis: dict[str, str] | None = None) -> int:
    """capture.pcap: the cells' SIBs over [0, end_s] and the packets of ``extra_pcaps`` (the
    UEs' RRC/NAS, ``stack-<terminal>.pcap``, link type 252 too), in time order. Beside it:
    ``capture-<terminal>.pcap``, each UE's own frames (the extra file, renamed), and
    ``capture-frames.json``, which names for every frame of capture.pcap (numbered from 1 as
    Wireshark numbers them) the cell or the terminal it belongs to and the terminal's IMSI
    (``imsis``, where known). A UE's reading of its serving cell's broadcast (same bytes,
    same microsecond) is that one frame, its ``received_by`` listing the terminals. Returns the
    packet count (no file when there is nothing)."""
    from ntnstack.capture.pcap import exported_pdu
    from ntnstack.rrc.builders import build_sib
    from ntnstack.rrc.codec import KINDS
    from ntnstack.stack.cell import next_si_window_s

    packets: list[tuple[float, bytes]] = []
    end_unix_s = scenario.start_unix_s + end_s
    for cell in (c for c in scenario.cells.values() if c.sib != "none"):
        source = world.sources[cell.satellite]
        config, stack_cell = broadcast_config(scenario, cell, source)
        sib2 = _sib2_nb_pdu(stack_cell) if stack_cell is not None else None
        for t in sib_times(scenario, world, cell.name, end_s):
            t_tx = next_si_window_s(config.si_windows, scenario.start_unix_s + float(t))
            if t_tx > end_unix_s:
                continue
            built = build_sib(source, config, t_tx)
            packets.append((t_tx, exported_pdu(KINDS[cell.sib].dissector, built.message),
                            {"cell": cell.name}))
            if sib2 is not None:   # SIB2-NB in the 1st SI message's last window before it
                period_s = stack_cell.si_windows.periodicity_frames * 0.01
                packets.append((stack_cell.next_sib2_s(t_tx - period_s), sib2,
                                {"cell": cell.name}))
    broadcast = {(owner["cell"], round(t, 6), data): owner for t, data, owner in packets}
    for extra in extra_pcaps:
        terminal = Path(extra).stem.removeprefix("stack-")
        owner = {"terminal": terminal, "imsi": (imsis or {}).get(terminal)}
        term = scenario.terminals.get(terminal)
        serving = term.cell if term is not None else None
        for t, data in _read_raw(extra):
            cell = broadcast.get((serving, round(t, 6), data))
            if cell is None:
                packets.append((t, data, owner))
            else:   # a UE's reading of a cell's broadcast: one frame on the air
                cell.setdefault("received_by", []).append(terminal)
    if packets:
        packets.sort(key=lambda p: p[0])
        _write_raw(path, [(t, data) for t, data, _ in packets])
        frames = [{"frame": i, "t_unix_s": round(t, 6), **{k: v for k, v in owner.items() if v}}
                  for i, (t, _, owner) in enumerate(packets, start=1)]
        Path(path).with_name("capture-frames.json").write_text(json.dumps(frames, indent=0))
    for extra in extra_pcaps:
        extra = Path(extra)
        if extra.exists():
            extra.replace(Path(path).with_name(f"capture-{extra.stem.removeprefix('stack-')}"
                                               f".pcap"))
    return len(packets)


def _sib2_nb_pdu(stack_cell) -> bytes:
    """The exported-PDU packet of an NB-IoT cell's SIB2-NB (ntnstack.stack.rrc_nb.sib2_nb),
    with the NPRACH and paging the stack's UEs use; the same at every broadcast."""
    from ntnstack.capture.pcap import exported_pdu
    from ntnstack.stack import UeConfig

    ue = UeConfig()
    pdu = stack_cell.sib2(ue.nprach_period_s, ue.nprach_format, ue.preamble_trans_max)
    return exported_pdu(pdu.channel, pdu.data)


def _read_raw(path: Path) -> list[tuple[float, bytes]]:
    """(unix s, link-layer bytes) of every packet of a pcap (missing file: none)."""
    from ntnstack.capture.pcap import read_pcap

    return read_pcap(path) if Path(path).exists() else []


def _write_raw(path: str | Path, packets: list[tuple[float, bytes]]) -> None:
    """Write exported-PDU packets as they are (link type 252, microsecond stamps)."""
    from ntnstack.capture.pcap import LINKTYPE_UPPER_PDU, PcapWriter

    with PcapWriter(path, linktype=LINKTYPE_UPPER_PDU) as writer:
        for t, data in packets:
            writer.write_frame(data, t)
