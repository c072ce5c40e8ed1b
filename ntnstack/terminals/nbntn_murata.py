"""Murata Type 1SC-NTN (Altair ALT1250 NTN firmware): the internal GNSS (%IGNSSACT, its fix
as %IGNSSEVU), the NTN position (%NTNCFG="POS", %IGNSSCFG="SET","POS") and its request
(%NTNEV: "POSREQ" when %NTNEV="POSREQ",1); %RATACT, %NTNEV, %NOTIFYEV and %IGNSSEV values are
data (families.yaml). No public Murata NTN AT manual was found: the forms are the ones public
host scripts send to the module (%NTNCFG="POS","STAT","<lat>","<lon>","<alt>",
%NTNCFG="POS","IGNSS",<0|1>, %NTNEV="POSREQ",1) and every answer format here is (check).
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import CmeError, Command, Reply
from ntnstack.terminals.nbntn_vendor import Vendor, binary, position
from ntnstack.terminals.vendor_commands import BAD_PARAMETER

PROVIDERS = ("STAT", "IGNSS")
"""%NTNCFG="POS" position providers: a static position given by the host, the internal GNSS."""


def gnss_fix_urc(m) -> str:
    lat, lon, alt = m.ue_position
    return ('%IGNSSEVU: "FIX",1,"{}","{}","{:.6f}","{:.6f}","{:.1f}",8'
            .format(m.utc("%H:%M:%S"), m.utc("%d/%m/%Y"), lat, lon, alt))


class Murata(Vendor):
    def __init__(self, m) -> None:
        super().__init__(m)
        self.pos_config: tuple[str, ...] = ('"STAT"',)   # NVM: kept across reboots
        m.on("%IGNSSCFG", self.ignsscfg)
        m.on("%IGNSSACT", self.ignssact)
        m.on("%NTNCFG", self.ntncfg)

    def ignsscfg(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['%IGNSSCFG: ("SET"),("POS"),("-90-90"),("-180-180"),'
                          '("-1000-10000"),(0-100000)'])                      # (check)
        p = cmd.params()
        if cmd.kind != "set" or p[:2] != ["SET", "POS"]:
            raise CmeError(BAD_PARAMETER)
        self.m.location_known(*position(p[2:5]))
        return Reply()

    def ignssact(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "read":
            return Reply([f"%IGNSSACT: {int(self.gnss_on)}"])
        if cmd.kind == "test":
            return Reply(["%IGNSSACT: (0,1)"])
        if binary(cmd) == 1:
            self.start_gnss()
        else:
            self.gnss_on = False
        return Reply()

    def gnss_fix(self, pos: tuple[float, float, float]) -> None:
        if self.setting_value("%IGNSSEV", "FIX") == "1":
            self.m.urc(gnss_fix_urc(self.m))
        self.m.location_known(*pos)

    def ntncfg(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['%NTNCFG: "POS",("STAT","IGNSS"),("-90-90"),("-180-180"),'
                          '("-1000-10000")'])                                  # (check)
        p = cmd.params()
        if cmd.kind == "read" or p == ["POS"]:
            return Reply(['%NTNCFG: "POS",' + ",".join(self.pos_config)])
        if cmd.kind != "set" or len(p) < 2 or p[0] != "POS" or p[1] not in PROVIDERS:
            raise CmeError(BAD_PARAMETER)
        if p[1] == "STAT":
            lat, lon, alt = position(p[2:])
            self.pos_config = ('"STAT"', *(f'"{x}"' for x in p[2:5]))
            self.m.location_known(lat, lon, alt)
        else:
            self.pos_config = ('"IGNSS"', str(binary(cmd, 2)))
        return Reply()

    def ntn_selected(self) -> bool:
        return self.setting_value("%RATACT") == "NBNTN"

    def event(self, what: str) -> None:
        if what == "cell_found" and self.setting_value("%NOTIFYEV", "SIB31") == "1":
            self.m.urc('%NOTIFYEV: "SIB31"')
        if (what == "location_needed" and self.pos_config[0] == '"STAT"'
                and self.setting_value("%NTNEV", "POSREQ") == "1"):
            self.m.urc('%NTNEV: "POSREQ"')                                    # (check)
