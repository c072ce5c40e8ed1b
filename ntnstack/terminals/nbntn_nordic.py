"""Nordic nRF9151 with the NTN modem firmware (mfw_nrf9151-ntn): %LOCATION, %CELLULARPRFL,
CFUN 45 / 46 and the %MDMEV events; %XSYSTEMMODE, %XBANDLOCK and %MDMEV values are data
(families.yaml). Source: nRF91x1 NTN AT Commands (docs.nordicsemi.com,
ref_at_commands_nrf91x1_ntn); the forms as the nRF Connect SDK sends and parses them
(lib/ntn/ntn.c: %LOCATION=1 subscribes, the modem asks with "%LOCATION: <accuracy>[,<next
accuracy>,<next in s>]", %LOCATION=2,"<lat>","<lon>","<alt>",<accuracy>,<validity s> answers,
%LOCATION=2 alone invalidates; lib/lte_link_control: %CELLULARPRFL=2,<id>,<act>,<uicc>
configures, =2,<id> removes, =1 subscribes to "%CELLULARPRFL: <id>" when a profile becomes
active; <act> bits 1 LTE-M, 2 NB-IoT, 4 NTN NB-IoT; CFUN 45 / 46 only with two profiles).
"""
from __future__ import annotations

from ntnstack.terminals.at_engine import CmeError, Command, Reply
from ntnstack.terminals.nbntn_vendor import REQUESTED_ACCURACY_M, Vendor, position
from ntnstack.terminals.vendor_commands import BAD_PARAMETER, NOT_ALLOWED

ACT_NTN_NB_IOT = 4
"""%CELLULARPRFL <act> bit of NTN NB-IoT (lib/lte_link_control LTE_LC_ACT_NTN)."""
UICC = (0, 2)
"""%CELLULARPRFL <uicc>: 0 physical SIM / eSIM, 2 SoftSIM (LTE_LC_UICC_*)."""
PROFILE_IDS = (0, 1)
"""%CELLULARPRFL <cp_id> values the SDK accepts in the notification."""
NTN_FIELD = 4
"""Index of <NTN_NB_IoT> in %XSYSTEMMODE."""


class Nordic(Vendor):
    def __init__(self, m) -> None:
        super().__init__(m)
        self.profiles: dict[int, tuple[int, int]] = {}   # NVM: kept across reboots
        m.on("%LOCATION", self.location)
        m.on("%CELLULARPRFL", self.cellularprfl)

    def reset(self) -> None:
        super().reset()
        self.subscribed = False
        self.profile_urcs = False
        self.validity = None

    # -- %LOCATION ---------------------------------------------------------------------------
    def location(self, ch, cmd: Command) -> Reply:
        m = self.m
        if cmd.kind == "test":
            return Reply(['%LOCATION: (0-2),("-90-90"),("-180-180"),("-1000-10000"),'
                          '(0-100000),(0-86400)'])                            # (check)
        if cmd.kind == "read":
            return Reply([f"%LOCATION: {int(self.subscribed)}"])              # (check)
        if cmd.kind != "set":
            raise CmeError(BAD_PARAMETER)
        p, mode = cmd.params(), cmd.int_param(0)
        if mode in (0, 1) and len(p) == 1:
            self.subscribed = mode == 1
        elif mode == 2 and len(p) == 1:
            self._forget()                              # invalidate (ntn_location_invalidate)
        elif mode == 2 and len(p) in (5, 6):                   # <validity> optional (check)
            lat, lon, alt = position(p[1:4])
            accuracy_m, validity_s = cmd.int_param(4), cmd.int_param(5, 0)
            if accuracy_m < 0 or validity_s < 0:
                raise CmeError(BAD_PARAMETER)
            m.location_known(lat, lon, alt)
            if self.validity is not None:
                self.validity.cancel()
            self.validity = m.later(validity_s, self._forget) if validity_s > 0 else None
        else:
            raise CmeError(BAD_PARAMETER)
        return Reply()

    def _forget(self) -> None:
        """The position expired or was invalidated: the modem asks again while it is on."""
        self.m.location = None
        self.m.log("event", "location invalid")
        if self.m.cfun == 1:
            self.event("location_needed")

    # -- %CELLULARPRFL -----------------------------------------------------------------------
    def cellularprfl(self, ch, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply(["%CELLULARPRFL: (0-2),(0,1),(1-7),(0,2)"])           # (check)
        if cmd.kind == "read":
            return Reply([f"%CELLULARPRFL: {i},{act},{uicc}"                  # (check)
                          for i, (act, uicc) in sorted(self.profiles.items())])
        if cmd.kind != "set":
            raise CmeError(BAD_PARAMETER)
        p, op = cmd.params(), cmd.int_param(0)
        if op in (0, 1) and len(p) == 1:
            self.profile_urcs = op == 1
            return Reply()
        if op != 2 or len(p) not in (2, 4) or cmd.int_param(1) not in PROFILE_IDS:
            raise CmeError(BAD_PARAMETER)
        if self.m.cfun not in (0, 4):
            raise CmeError(NOT_ALLOWED)                     # (check) only with the radio off
        if len(p) == 2:
            self.profiles.pop(cmd.int_param(1), None)
            return Reply()
        act, uicc = cmd.int_param(2), cmd.int_param(3)
        if not 1 <= act <= 7 or uicc not in UICC:
            raise CmeError(BAD_PARAMETER)
        self.profiles[cmd.int_param(1)] = (act, uicc)
        return Reply()

    # -- the module's events -------------------------------------------------------------------
    def set_cfun(self, fun: int) -> bool:
        """CFUN 45 / 46 (offline keeping the registration) need two cellular profiles."""
        if fun not in (45, 46):
            return False
        if len(self.profiles) < 2:
            raise CmeError(NOT_ALLOWED)
        return True

    def ntn_selected(self) -> bool:
        ntn_mode = self.setting_value("%XSYSTEMMODE", index=NTN_FIELD) == "1"
        ntn_profile = not self.profiles or any(act & ACT_NTN_NB_IOT
                                               for act, _ in self.profiles.values())
        return ntn_mode and ntn_profile

    def event(self, what: str) -> None:
        m = self.m
        urc = {"search_started": "%MDMEV: SEARCH STATUS 1",
               "cell_found": "%MDMEV: PRACH CE-LEVEL 2",
               "registered": "%MDMEV: SEARCH STATUS 2"}.get(what)
        if urc and self.setting_value("%MDMEV") == "1":
            m.urc(urc)
        if what == "location_needed" and self.subscribed:
            m.urc(f"%LOCATION: {REQUESTED_ACCURACY_M}")
        if what == "registered" and self.profile_urcs:
            ntn = [i for i, (act, _) in sorted(self.profiles.items()) if act & ACT_NTN_NB_IOT]
            if ntn:
                m.urc(f"%CELLULARPRFL: {ntn[0]}")

