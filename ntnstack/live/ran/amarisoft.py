"""Amarisoft Callbox adapter: the live state of a cell into its eNB / gNB through the Remote
API (ntnstack.live.ran.remote_api).

Per state message of a mapped cell (docs/live.md):
- the cell's NTN parameters, the values of the SIB it broadcasts, with ``config_set``
  ``{"cells": {"<cell_id>": {"ntn": {...}}}}`` while the satellite serves a terminal (the
  ``ntn`` keys are the table of ntnstack.export.amarisoft, every one UNCONFIRMED; the
  ``config_set`` / ``cells`` shape is that of public client code of the API);
- the cell cut when the satellite sets (``cell_gain`` to ``cut_gain_db``, default -200 dB,
  the bottom of the API's gain range) and restored when it rises (``restore_gain_db``,
  default 0 dB), after its NTN parameters are set.
"""
from __future__ import annotations

import json

from ntnstack.export import amarisoft as export_amarisoft
from ntnstack.export.fields import render_value, set_path
from ntnstack.live.ran.remote_api import DEFAULT_REPLY_TIMEOUT_S, RemoteApi, RemoteApiError
from ntnstack.runner.records import Push

CUT_GAIN_DB = -200.0      # the Remote API's lowest cell gain (public client code: -200..0)
RESTORE_GAIN_DB = 0.0


class AmarisoftAdapter:
    """Pushes the state of the mapped cells to one Callbox (testbed ``ran:`` entry)."""

    def __init__(self, equipment):
        opts = equipment.options
        self.name, self.cells = equipment.name, equipment.cells
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
                str(self.cells[cell]): ntn_parameters(msg)}))
        if self._on.get(cell) != on:
            self._on[cell] = on
            gain = self.restore_gain_db if on else self.cut_gain_db
            out.append(self._send(t_s, cell, "cell_gain", cell_id=self.cells[cell], gain=gain))
        return out

    def _send(self, t_s: float, cell: str, message: str, **params) -> Push:
        request = json.dumps({"message": message, **params}, sort_keys=True)
        try:
            reply = json.dumps(self.api.request(message, **params), sort_keys=True)
            ok = True
        except (RemoteApiError, OSError) as exc:
            reply, ok = f"error: {exc}", False
        return Push(t_s, self.name, cell, message, request, reply, ok)


def ntn_parameters(msg: dict) -> dict:
    """``{"ntn": {...}}`` of the Amarisoft cell from a state message's SIB values, keyed and
    scaled by ntnstack.export.amarisoft.FIELDS (the unconfirmed key table)."""
    sib = msg["sib"]
    q = {"k_offset_ms": sib["k_offset_ms"], "k_mac_ms": sib["k_mac_ms"],
         "validity_s": sib["validity_s"], "epoch_sfn": sib["epoch_sfn"],
         "epoch_subframe": sib["epoch_subframe"], "ta_common_s": sib["ta_common_s"],
         "ta_common_drift_s_per_s": sib["ta_common_drift_s_per_s"],
         "ta_common_drift_variation_s_per_s2": sib["ta_common_drift_variant_s_per_s2"]}
    if "position_m" in sib:
        q.update(zip(("pos_x_m", "pos_y_m", "pos_z_m"), sib["position_m"], strict=True))
        q.update(zip(("vel_x_mps", "vel_y_mps", "vel_z_mps"), sib["velocity_mps"], strict=True))
    tree: dict = {}
    for field in export_amarisoft.FIELDS:
        if q.get(field.quantity) is not None:
            set_path(tree, field.path, render_value(field, q[field.quantity]))
    return tree
