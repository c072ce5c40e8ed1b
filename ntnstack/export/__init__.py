"""ntnstack.export - the emulated satellite as configuration for lab gear.

Targets: the NTN section of an srsRAN Project gNB (YAML), the NTN parameters of an
OpenAirInterface gNB (libconfig) and their trace over time (CSV), the NTN parameters of an
Amarisoft eNB/gNB cell (one mapping table), and delay / Doppler / path loss / elevation
trajectories for channel emulators (CSV and JSON). Every value comes from ntnstack.rrc (the
SIB builders) or ntnstack.link (the link layer); every file is parsed back and compared
with them (``ExportFile.check``). docs/export.md lists the fields, units and sources.
"""
from ntnstack.export.inputs import ExportInputs, from_args, from_scenario
from ntnstack.export.snapshot import Snapshot, take_snapshot
from ntnstack.export.targets import TARGETS, ExportFile, ExportOptions, build

__all__ = ["TARGETS", "ExportFile", "ExportInputs", "ExportOptions", "Snapshot", "build",
           "from_args", "from_scenario", "take_snapshot"]
