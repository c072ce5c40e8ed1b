"""Quectel BG95-S5 / BG770A-SN (NB-IoT NTN firmware): the internal GNSS (+QGPS, +QGPSLOC),
the stored NTN position (+QNWCFG="ntn_locfix", data in families.yaml, taken at the next
boot), +QENG="servingcell" and +QCSQ; +QCFG "iotopmode" / "nwscanmode" are data.

Sources: Quectel BG95&BG77&BG600L Series AT Commands Manual (+QCFG, +QENG, +QCSQ) and GNSS
Application Note (+QGPS, +QGPSLOC, +CME ERROR: 504 / 516); the NTN forms as Particle's
BG95-S5 satellite library sends and parses them: AT+QCFG="iotopmode",3,1 (NTN only),
AT+QCFG="nwscanmode",3,1 (LTE, NTN included), AT+QNWCFG="ntn_locfix",1,<lat>,<lon>,<alt> then
a module reset, read back as +QNWCFG: "ntn_locfix",1,<lat>,<lon>,<alt>, and
+QENG: "servingcell",<state>,"NTN NBIoT","FDD",<mcc>,<mnc>,<cellid hex>,<pcid>,<earfcn>,
<band>,<ul_bw>,<dl_bw>,<tac hex>,<rsrp>,<rsrq>,<rssi>,<sinr>,<srxlev> with <state> SEARCH,
LIMSRV (camped, not registered), NOCONN (registered, idle), CONNECT (registered, connected).
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import CmeError, Command, Reply
from ntnstack.terminals.link_view import S_BAND_DL_HZ
from ntnstack.terminals.nbntn_vendor import Vendor
from ntnstack.terminals.vendor_commands import BAD_PARAMETER

NOT_FIXED = 516          # +CME ERROR: 516 "Not fixed now" (GNSS Application Note)
SESSION_ONGOING = 504    # +CME ERROR: 504 "Session is ongoing"
GNSS_MODES = (0, 1, 2)
"""+QGPSLOC <mode> of a one-shot query (GNSS Application Note; 3-5 are periodic reports)."""
NTN_ONLY = "3"
"""+QCFG="iotopmode" value for NTN only (Particle's BG95-S5 library: (check) the manual)."""
SCAN_WITH_NTN = ("0", "3")
"""+QCFG="nwscanmode" values whose scan includes the NTN cell: automatic, LTE."""
BAND = 256
"""The emulated cell's band (S band, docs/reference.md 4; ntnstack.terminals.link_view)."""
REF_EARFCN, REF_DL_MHZ = 229300, 2192.4
"""A band 256 downlink EARFCN and its frequency (Amarisoft's public ue-nbiot-ntn.cfg:
dl_earfcn 229300 = 2192.4 MHz); EARFCNs step 0.1 MHz (TS 36.101 5.7.3)."""
EARFCN = REF_EARFCN + round((S_BAND_DL_HZ / 1e6 - REF_DL_MHZ) * 10)
PCI = 1
"""Physical cell id of the stack's reference cell (ntnstack.stack.presets)."""


def sinr_index(snr_db: float) -> int:
    """+QENG <SINR> and +QCSQ <lte_sinr>: 0..250 for -20..+30 dB in 1/5 dB steps (BG96 /
    BG95 AT manual, +QCSQ: "values are in 1/5th of a dB", 0-250 = -20..+30 dB)."""
    return max(0, min(250, round((snr_db + 20.0) * 5)))


def _minutes(deg: float, hemispheres: str, width: int, decimals: int) -> tuple[str, str]:
    """(``dddmm.mmmm``, hemisphere letter) of a latitude or longitude in degrees."""
    whole, minutes = divmod(round(abs(deg) * 60 * 10 ** decimals), 60 * 10 ** decimals)
    text = f"{whole:0{width}d}{minutes / 10 ** decimals:0{3 + decimals}.{decimals}f}"
    return text, hemispheres[deg < 0]


def gnss_position(lat: float, lon: float, mode: int) -> str:
    """<latitude>,<longitude> of +QGPSLOC=<mode> (GNSS Application Note, AT+QGPSLOC):
    0 ``ddmm.mmmmN/S,dddmm.mmmmE/W``, 1 ``ddmm.mmmmmm,N/S,dddmm.mmmmmm,E/W``,
    2 ``(-)dd.ddddd,(-)ddd.ddddd``."""
    if mode == 2:
        return f"{lat:.5f},{lon:.5f}"
    decimals = 4 if mode == 0 else 6
    (la, ns), (lo, ew) = _minutes(lat, "NS", 2, decimals), _minutes(lon, "EW", 3, decimals)
    sep = "" if mode == 0 else ","
    return f"{la}{sep}{ns},{lo}{sep}{ew}"


class Quectel(Vendor):
    keeps_pdp_contexts = True
    """(check) Quectel modules save +CGDCONT to NVM: a host that set its contexts and then
    reset the module to take ntn_locfix (as Particle's library does) finds them again."""

    def __init__(self, m) -> None:
        super().__init__(m)
        m.on("+QGPS", self.qgps)
        m.on("+QGPSEND", self.qgpsend)
        m.on("+QGPSLOC", self.qgpsloc)
        m.on("+QCSQ", self.qcsq)
        m.on("+QENG", self.qeng)

    def reset(self) -> None:
        super().reset()
        self.fix = None
        self.camped = False
        fix = self.m.vendor_settings.get("+QNWCFG", "ntn_locfix")
        if fix[0] == "1":                      # stored before the reset: the module takes it
            self.m.location = tuple(float(x) for x in fix[1:4])
            self.m.log("event", "location {:.5f},{:.5f},{:.1f} (ntn_locfix)"
                       .format(*self.m.location))

    def setting(self, name: str, key: str | None, values: tuple[str, ...]) -> None:
        if key == "ntn_locfix" and len(values) != (4 if values[0] == "1" else 1):
            raise CmeError(BAD_PARAMETER)     # mode 1 takes a position, mode 0 clears it

    def ntn_selected(self) -> bool:
        return (self.setting_value("+QCFG", "iotopmode") == NTN_ONLY
                and self.setting_value("+QCFG", "nwscanmode") in SCAN_WITH_NTN)

    def event(self, what: str) -> None:
        if what == "cell_found":
            self.camped = True
        elif what == "search_started":
            self.camped = False

    # -- GNSS ------------------------------------------------------------------------------------
    def qgps(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"+QGPS: {int(self.gnss_on)}"])
        if cmd.kind == "test":
            return Reply(["+QGPS: (1),(1-255),(1-1000),(1-1000),(0-2)"])        # (check)
        if cmd.kind != "set" or cmd.int_param(0) != 1:
            raise CmeError(BAD_PARAMETER)
        if self.gnss_on:
            raise CmeError(SESSION_ONGOING)
        self.start_gnss()
        return Reply()

    def gnss_fix(self, pos: tuple[float, float, float]) -> None:
        self.fix = pos
        self.m.location_known(*pos)

    def qgpsend(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply()
        self.gnss_on = False
        return Reply()

    def qgpsloc(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["+QGPSLOC: (0-2)"])
        mode = cmd.int_param(0, 0) if cmd.kind == "set" else 0
        if mode not in GNSS_MODES:
            raise CmeError(BAD_PARAMETER)
        if self.fix is None:
            raise CmeError(NOT_FIXED)
        m, (lat, lon, alt) = self.m, self.fix
        return Reply([f"+QGPSLOC: {m.utc('%H%M%S')}.000,{gnss_position(lat, lon, mode)},1.0,"
                      f"{alt:.1f},3,0.00,0.0,0.0,{m.utc('%d%m%y')},08"])

    # -- radio reports ---------------------------------------------------------------------------
    def qcsq(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+QCSQ: "NOSERVICE","NBIoT"'])
        s = self.m.signal()
        if self.m.cfun != 1 or s.csq_rssi == 99:
            return Reply(['+QCSQ: "NOSERVICE"'])
        return Reply([f'+QCSQ: "NBIoT",{round(s.rssi_dbm)},{round(s.rsrp_dbm)},'
                      f'{sinr_index(s.snr_db)},{round(s.rsrq_db)}'])

    def qeng(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+QENG: ("servingcell")'])
        if cmd.kind != "set" or cmd.params() != ["servingcell"]:
            raise CmeError(BAD_PARAMETER)
        return Reply([self.serving_cell()])

    def serving_cell(self) -> str:
        m = self.m
        if m.registered:
            state = "CONNECT" if m.rrc_connected else "NOCONN"
        elif self.camped and m.cfun == 1:
            state = "LIMSRV"
        else:
            return '+QENG: "servingcell","SEARCH"'
        s, cell = m.signal(), m.cell
        return (f'+QENG: "servingcell","{state}","NTN NBIoT","FDD",{int(cell["plmn"][:3])},'
                f'{int(cell["plmn"][3:])},{int(cell["ci"], 16):X},{PCI},{EARFCN},{BAND},0,0,'
                f'{int(cell["tac"], 16):X},{round(s.rsrp_dbm)},{round(s.rsrq_db)},'
                f'{round(s.rssi_dbm)},{sinr_index(s.snr_db)},')
