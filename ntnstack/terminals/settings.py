"""Parameter commands as data: the test form lists each parameter's values, the read form
shows the current ones, the set form is validated against the same lists (V.250 5.3, TS
27.007 4.1). One table row per command; the module says where its values live.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ntnstack.terminals.at_engine import AtChannel, CmeError, CmsError, Command, Reply


@dataclass(frozen=True)
class Setting:
    """``name`` (``+CMEE``) whose parameters take the integers of ``values`` (one tuple per
    parameter, in order); an omitted parameter of the set form takes its ``defaults`` entry;
    a value outside its list is answered with ``error`` (+CMS ERROR when ``sms``, TS 27.005
    3.2.5, else +CME ERROR, TS 27.007 9.2). ``clause``: where the values come from."""

    name: str
    values: tuple[tuple[int, ...], ...]
    defaults: tuple[int, ...]
    clause: str
    error: int = 50
    sms: bool = False

    def test_line(self) -> str:
        """``+CMEE: (0-2)``: each parameter's list, runs of consecutive values as ranges."""
        return f"{self.name}: " + ",".join(f"({range_text(v)})" for v in self.values)

    def parse(self, cmd: Command) -> list[int]:
        """The set form's values, defaults filled in; the setting's error when one is not
        an integer of its list or there are too many."""
        params = cmd.params()
        if len(params) > len(self.values):
            raise self.failure()
        out = []
        for i, allowed in enumerate(self.values):
            text = params[i] if i < len(params) else ""
            try:
                value = int(text) if text != "" else self.defaults[i]
            except ValueError:
                raise self.failure() from None
            if value not in allowed:
                raise self.failure()
            out.append(value)
        return out

    def failure(self) -> CmeError:
        return CmsError(self.error) if self.sms else CmeError(self.error)


def range_text(values: tuple[int, ...]) -> str:
    """(0, 1, 2, 5, 7, 8) -> "0-2,5,7,8" (V.250 5.7.3: values and ranges; a run of two is
    written as two values, as TS 27.007 writes "(0,1)")."""
    parts, i = [], 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        parts.append(f"{values[i]}-{values[j]}" if j > i + 1 else
                     ",".join(map(str, values[i:j + 1])))
        i = j + 1
    return ",".join(parts)


def setting_handler(setting: Setting, get: Callable[[AtChannel], list[int]],
                    put: Callable[[AtChannel, list[int]], None],
                    extra: Callable[[], str] = lambda: "") -> Callable:
    """The handler of ``setting``: ``get(ch)`` the current values, ``put(ch, values)``
    stores validated ones, ``extra()`` text the read form appends (a status, not a setting:
    the <stat> of +CSCON, the <m> of +CLIP)."""

    def handle(ch: AtChannel, cmd: Command) -> Reply:
        if cmd.kind == "test":
            return Reply([setting.test_line()])
        if cmd.kind == "read":
            return Reply([f"{setting.name}: " + ",".join(map(str, get(ch))) + extra()])
        if cmd.kind == "exec":
            raise setting.failure()
        put(ch, setting.parse(cmd))
        return Reply()

    return handle


def _span(first: int, last: int) -> tuple[int, ...]:
    return tuple(range(first, last + 1))


CMEE = Setting("+CMEE", (_span(0, 2),), (0,), "TS 27.007 9.1")
CGEREP = Setting("+CGEREP", (_span(0, 2), (0, 1)), (0, 0), "TS 27.007 10.1.19")
CSCON = Setting("+CSCON", (_span(0, 1),), (0,), "TS 27.007 10.1.30 (<n> 0-1 here: no "
                "<state> / <access> reports)")
CGATT = Setting("+CGATT", ((0, 1),), (1,), "TS 27.007 10.1.9")
WS46 = Setting("+WS46", ((28,),), (28,), "TS 27.007 5.9: 28 E-UTRAN only (the NB-IoT NTN "
               "cell is E-UTRAN; no <n> of 5.9 names satellite access)")
CRC = Setting("+CRC", ((0, 1),), (0,), "TS 27.007 6.11")
CVHU = Setting("+CVHU", (_span(0, 2),), (0,), "TS 27.007 6.20")
CLIP = Setting("+CLIP", ((0, 1),), (0,), "TS 27.007 7.6")
CMGF = Setting("+CMGF", ((0, 1),), (0,), "TS 27.005 3.2.3", error=303, sms=True)
CNMI = Setting("+CNMI", (_span(0, 2), _span(0, 3), (0, 2), _span(0, 2), (0, 1)),
               (0, 0, 0, 0, 0), "TS 27.005 3.4.1 (<bm> 0/2: no cell broadcast)",
               error=303, sms=True)
CSMP = Setting("+CSMP", (_span(0, 255),) * 4, (17, 167, 0, 0), "TS 27.005 3.3.2: "
               "SMS-SUBMIT, relative validity one day (TS 23.040 9.2.3.12.1: 167 = 24 h)",
               error=305, sms=True)
CSMS = Setting("+CSMS", ((0, 1),), (0,), "TS 27.005 3.2.1", error=303, sms=True)
CSDH = Setting("+CSDH", ((0, 1),), (0,), "TS 27.005 3.3.3: text-mode header detail",
               error=303, sms=True)

SETTINGS = {s.name: s for s in (CMEE, CGEREP, CSCON, CGATT, WS46, CRC, CVHU, CLIP, CMGF, CNMI,
                                CSMP, CSMS, CSDH)}
"""Every setting of the table by name (a family answers those it installs a handler for)."""
STATUS_READ = {"+CGATT"}
"""Settings whose read form shows a state rather than the value set (+CGATT: attached)."""
