"""Power saving of an NB-IoT module as TS 27.007 sets it: +CPSMS (7.38, PSM with the requested
periodic TAU T3412-extended and active time T3324, GPRS timer 3 / 2 octets of TS 24.008
10.5.7.4a / 10.5.7.3 written as 8 bits) and +CEDRXS (7.40, eDRX per access technology, 4-bit
<Requested_eDRX_value> of TS 24.008 10.5.5.32). The module stores and reports what the host
requests; the emulated network grants no power saving, so no timer of the emulation changes
(a request is not a grant: +CEDRXRDP / network-provided values are not emulated)."""
from __future__ import annotations

import re

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Reply

TIMER = re.compile(r"^[01]{8}$")
EDRX = re.compile(r"^[01]{4}$")
ACT_NB_S1 = 5
"""<AcT-type> 5: E-UTRAN (NB-S1 mode) (TS 27.007 7.40)."""


class PowerSaving:
    """Mixin of NbNtnModule: ``reset_power_saving`` and ``register_power_saving``."""

    def reset_power_saving(self) -> None:
        self.cpsms = ["0", "", "", "", ""]       # mode, RAU, GPRS-READY, TAU, active time
        self.cedrxs = {"mode": 0, "value": "0000"}

    def register_power_saving(self) -> None:
        self.on("+CPSMS", self.cmd_cpsms)
        self.on("+CEDRXS", self.cmd_cedrxs)

    def cmd_cpsms(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+CPSMS: (0-2),,,("00000000"-"11111111"),("00000000"-"11111111")'])
        if cmd.kind == "read":
            mode, rau, ready, tau, active = self.cpsms
            return Reply([f"+CPSMS: {mode},{rau},{ready},{_quoted(tau)},{_quoted(active)}"])
        params = [p.strip('"') for p in cmd.params()] + [""] * 5
        mode = params[0] or "0"
        if mode not in ("0", "1", "2") or not all(
                v == "" or TIMER.match(v) for v in params[1:5]):
            raise CmeError(50)    # incorrect parameters
        self.cpsms = ["0", "", "", "", ""] if mode == "2" else [mode, *params[1:5]]
        return Reply()

    def cmd_cedrxs(self, ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply([f'+CEDRXS: (0-3),({ACT_NB_S1}),("0000"-"1111")'])
        if cmd.kind == "read":
            if not self.cedrxs["mode"]:
                return Reply()
            return Reply([f'+CEDRXS: {ACT_NB_S1},"{self.cedrxs["value"]}"'])
        params = [p.strip('"') for p in cmd.params()] + ["", "", ""]
        mode = int(params[0] or "0")
        act = params[1] or str(ACT_NB_S1)
        value = params[2] or "0000"
        if mode not in (0, 1, 2, 3) or act != str(ACT_NB_S1) or not EDRX.match(value):
            raise CmeError(50)
        self.cedrxs = {"mode": 0 if mode == 3 else mode, "value": value}
        return Reply()


def _quoted(value: str) -> str:
    return f'"{value}"' if value else ""
