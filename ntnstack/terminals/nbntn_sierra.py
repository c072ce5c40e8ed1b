"""Sierra Wireless HL7812 (firmware R6 or later, NB-NTN): the position request
``+KNTNEV: "POSREQ"`` answered by ``AT+KNTNCMD="POS","<lat>","<lon>","<alt>"`` when
+KNTNCFG="POS" names the MANUAL provider; with IGNSS the module takes its own GNSS fix.
+KSRAT (3 = NB-NTN) and +KNTNCFG values are data (families.yaml). Source: the Zephyr HL78xx
driver (drivers/modem/hl78xx, CONFIG_MODEM_HL78XX_RAT_NBNTN) that sends and matches these
forms; no public HL78xx AT guide with the NTN commands was found: the answer formats of
+KNTNCMD are (check).
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import CmeError, Command, Reply
from ntnstack.terminals.nbntn_vendor import Vendor, position
from ntnstack.terminals.vendor_commands import BAD_PARAMETER, NOT_ALLOWED

RAT_NB_NTN = "3"
"""+KSRAT value of NB-NTN (Zephyr hl78xx enum: CAT-M1 0, NB1 1, GSM 2, NBNTN 3)."""


class Sierra(Vendor):
    def __init__(self, m) -> None:
        super().__init__(m)
        self.given: tuple[str, ...] = ()
        m.on("+KNTNCMD", self.kntncmd)

    def kntncmd(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(['+KNTNCMD: ("POS"),("-90-90"),("-180-180"),("-1000-10000")'])
        if cmd.kind == "read":
            return Reply(['+KNTNCMD: "POS"' + "".join(f',"{x}"' for x in self.given)])
        p = cmd.params()
        if cmd.kind != "set" or len(p) != 4 or p[0] != "POS":
            raise CmeError(BAD_PARAMETER)
        lat, lon, alt = position(p[1:])
        if self.provider() != "MANUAL":
            raise CmeError(NOT_ALLOWED)          # the IGNSS provider gives the position
        self.given = tuple(p[1:])
        self.m.location_known(lat, lon, alt)
        return Reply()

    def provider(self) -> str:
        return self.setting_value("+KNTNCFG", "POS")

    def ntn_selected(self) -> bool:
        return self.setting_value("+KSRAT") == RAT_NB_NTN

    def event(self, what: str) -> None:
        if what != "location_needed":
            return
        if self.provider() == "MANUAL":
            self.m.urc('+KNTNEV: "POSREQ"')
        elif not self.gnss_on:
            self.start_gnss()
