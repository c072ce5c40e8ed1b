"""The stack record of NB-IoT NTN terminals on a SIB31-NB cell. A virtual module runs its
procedures on its own ntnstack.stack session (ntnstack.terminals.nbntn_stack, one per
terminal, on the run's time axis, writing its own pcap): ``module_procedures`` reads that
session's record of a step. For a real module, the protocol shadow: each attach and
send_data step is also carried out by ntnstack.stack (NB-IoT RRC in UPER, TS 24.301 NAS
with EPS AKA and NAS security) for a UE at the terminal's position, from the step's emulated
start time, over the same orbit and cell. Its messages go to the run's capture.pcap and its
procedure time is recorded beside the module's (``stack_*`` observations, never judged).

Each shadow UE keeps its own clock started at its first step (ntnstack.stack moves the clock
it is given to the end of each procedure, and the run's clock belongs to the modules).
"""
from __future__ import annotations

from pathlib import Path

from ntnstack.runner.records import Event
from ntnstack.scenario.model import Scenario, family_group

SHADOWED = ("attach", "send_data")


class StackShadow:
    """Shadow UEs by terminal; ``pcaps`` are the per-UE captures to merge."""

    def __init__(self, scenario: Scenario, world, out_dir: Path):
        self.scenario, self.world, self.out_dir = scenario, world, Path(out_dir)
        self.sessions: dict[str, object] = {}
        self.pcaps: list[Path] = []

    def wants(self, terminal: str, action: str) -> bool:
        term = self.scenario.terminals[terminal]
        cell = self.scenario.cells.get(term.cell or "")
        return (action in SHADOWED and family_group(term.family) == "nbntn"
                and cell is not None and cell.sib == "sib31-nb")

    def run(self, terminal: str, action: str, start_s: float, params: dict) -> tuple[dict,
                                                                                    list[Event]]:
        """The shadow of one step begun at ``start_s``: (observations, events)."""
        session = self._session(terminal, start_s)
        session.clock.sleep_until(self.scenario.start_unix_s + start_s)
        if action == "attach" and not session.attached:
            proc = session.attach()
        elif action == "send_data":
            proc = session.send_data(_payload(params["payload"]))
        else:
            return {}, []
        events = [Event(m.t_unix_s - self.scenario.start_unix_s, terminal, "stack",
                        f"{m.direction} {m.rrc}" + (f" [{m.nas}]" if m.nas else ""))
                  for m in proc.messages]
        observed = {f"stack_{action}_s": proc.end_unix_s - proc.start_unix_s,
                    f"stack_{action}_ok": proc.ok, "stack_messages": len(proc.messages)}
        if proc.reason:
            observed[f"stack_{action}_reason"] = proc.reason
        return observed, events

    def _session(self, terminal: str, start_s: float):
        if terminal in self.sessions:
            return self.sessions[terminal]
        from ntnstack.clock import Clock
        from ntnstack.runner.sibs import cell_config
        from ntnstack.stack import SatelliteCell, UeConfig, new_session

        term = self.scenario.terminals[terminal]
        cell = self.scenario.cells[term.cell]
        sat = SatelliteCell(self.world.sources[cell.satellite], cell_config(self.scenario, cell))
        ue = UeConfig(position_deg_m=(term.position.lat_deg, term.position.lon_deg,
                                      term.position.alt_m), ul_freq_hz=cell.carrier_ul_hz,
                      min_elevation_deg=self.scenario.min_elevation_deg)
        pcap = self.out_dir / f"stack-{terminal}.pcap"
        self.pcaps.append(pcap)
        clock = Clock("virtual", 1.0, self.scenario.start_unix_s + start_s)
        self.sessions[terminal] = new_session([sat], clock.now_unix_s(), ue, pcap, clock=clock)
        return self.sessions[terminal]

    def close(self) -> list[Path]:
        for session in self.sessions.values():
            session.close()
        return self.pcaps


def module_procedures(module, terminal: str, action: str, start_s: float
                      ) -> tuple[dict, list[Event]]:
    """Observations and events of a virtual module's own stack procedure(s) of one step
    begun at ``start_s`` (emulated s since the start): the last ``attach`` / ``data``."""
    stack = module.started_stack()
    name = {"attach": "attach", "send_data": "data"}[action]
    done = [r for r in (stack.session.results if stack else [])
            if r.name == name and stack.t_s(r.start_unix_s) >= start_s - 1e-9]
    if not done:
        return {}, []
    proc = done[-1]
    events = [Event(stack.t_s(m.t_unix_s), terminal, "stack",
                    f"{m.direction} {m.rrc}" + (f" [{m.nas}]" if m.nas else ""))
              for m in proc.messages]
    observed = {f"stack_{action}_s": proc.duration_s, f"stack_{action}_ok": proc.ok,
                "stack_messages": len(proc.messages)}
    if proc.reason:
        observed[f"stack_{action}_reason"] = proc.reason
    observed.update(stack.validity_observations(proc))   # the emulated cell's T317 record
    if "ta_error_s" in proc.details:   # the eNB's measure of the module's own transmission
        observed.update(ta_error_us=abs(proc.details["ta_error_s"]) * 1e6,
                        ta_source="emulated eNB: arrival error of the module's NPRACH preamble")
    return observed, events


def _payload(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text.encode("utf-8")
