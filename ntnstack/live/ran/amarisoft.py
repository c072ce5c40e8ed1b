"""Amarisoft Callbox adapter: the live state of a cell into its eNB / gNB through the Remote
API (ntnstack.live.ran.remote_api).

Per state message of a mapped cell (docs/live.md):
- the cell's NTN parameters with ``config_set`` ``{"cells": {"<cell_id>": {"ntn": {...}}}}``
  while the satellite serves a terminal: the tree ``ntnstack export --target amarisoft``
  writes for the cell at the send time of the SIB in force (ntnstack.export.snapshot and
  ntnstack.export.amarisoft.ntn_tree, every ``ntn`` key UNCONFIRMED; the ``config_set`` /
  ``cells`` shape is that of public client code of the API), its ephemeris in the form the
  SIB carries (state vectors or orbital elements) unless the ``ephemeris`` option names one;
- the cell cut when the satellite sets (``cell_gain`` to ``cut_gain_db``, default -200 dB,
  the bottom of the API's gain range) and restored when it rises (``restore_gain_db``,
  default 0 dB), after its NTN parameters are set.
"""
from __future__ import annotations

import json

from ntnstack.export import amarisoft as export_amarisoft
from ntnstack.export.inputs import for_cell
from ntnstack.export.snapshot import take_snapshot
from ntnstack.live.ran.remote_api import DEFAULT_REPLY_TIMEOUT_S, RemoteApi, RemoteApiError
from ntnstack.runner.records import Push

CUT_GAIN_DB = -200.0      # the Remote API's lowest cell gain (public client code: -200..0)
RESTORE_GAIN_DB = 0.0


class AmarisoftAdapter:
    """Pushes the state of the mapped cells to one Callbox (testbed ``ran:`` entry)."""

    def __init__(self, equipment, scenario):
        opts = equipment.options
        self.name, self.cells = equipment.name, equipment.cells
        self.inputs = {cell: for_cell(scenario, cell, where=f"ran.{self.name}")
                       for cell in self.cells}
        self.sfn0_unix_s = scenario.start_unix_s
        self.ephemeris = opts.get("ephemeris")   # None: the form the cell's SIB carries
        self.cut_gain_db = opts.get("cut_gain_db", CUT_GAIN_DB)
        self.restore_gain_db = opts.get("restore_gain_db", RESTORE_GAIN_DB)
        self.push_ntn = opts.get("ntn", True)
        self.api = RemoteApi(equipment.url, opts.get("reply_timeout_s", DEFAULT_REPLY_TIMEOUT_S))
        self._on: dict[str, bool] = {}    # cell -> last gain pushed was the restore gain

    def open(self) -> str:
        """Connect; a line describing the equipment (from its ``ready`` message)."""
        ready = self.api.open()
        return f"{ready.get('type', '?')} {ready.get('name', '')} {ready.get('version', '')}"

    def close(self) -> None:
        self.api.close()

    def push(self, msg: dict, t_s: float) -> list[Push]:
        """The requests one state message calls for, each with its reply."""
        cell = msg["cell"]
        on = msg["visible"] is not False
        out = []
        if on and self.push_ntn:
            out.append(self._send(t_s, cell, "config_set", cells={
                str(self.cells[cell]): self.ntn_parameters(msg)}))
        if self._on.get(cell) != on:
            self._on[cell] = on
            gain = self.restore_gain_db if on else self.cut_gain_db
            out.append(self._send(t_s, cell, "cell_gain", cell_id=self.cells[cell], gain=gain))
        return out

    def ntn_parameters(self, msg: dict) -> dict:
        """``{"ntn": {...}}`` of the message's cell: the export of its SIB in force (sent at
        ``sib.sent_unix_s``, SFN 0 at the scenario's start), as ``ntnstack export --target
        amarisoft`` writes it for that instant."""
        inputs = self.inputs[msg["cell"]]
        form = self.ephemeris or ("orbital" if "orbital" in msg["sib"] else "state-vectors")
        snapshot = take_snapshot(inputs, msg["sib"]["sent_unix_s"], kind=inputs.sib_kind,
                                 ephemeris_format=form, sfn0_unix_s=self.sfn0_unix_s)
        return export_amarisoft.ntn_tree(snapshot)

    def _send(self, t_s: float, cell: str, message: str, **params) -> Push:
        request = json.dumps({"message": message, **params}, sort_keys=True)
        try:
            reply = json.dumps(self.api.request(message, **params), sort_keys=True)
            ok = True
        except (RemoteApiError, OSError) as exc:
            reply, ok = f"error: {exc}", False
        return Push(t_s, self.name, cell, message, request, reply, ok)
