"""One exception hierarchy for the bridge (STYLE rule 4).

Every class subclasses :class:`BridgeError` and, where one fits, the builtin it resembles, so
callers can catch ``TimeoutError`` or ``ConnectionError`` without importing at_bridge.
Messages name the port or channel, the command and what was expected.
"""
from __future__ import annotations


class BridgeError(Exception):
    """Base of every error raised by at_bridge."""


class PortGone(BridgeError, ConnectionError):
    """The serial port vanished (USB unplug, re-enumeration, pty closed) or is not open."""


class Timeout(BridgeError, TimeoutError):
    """No final result / reply / URC within the time the dialect allows."""


class Unanswered(Timeout):
    """The module answered no command in time: no final result, no '> ' prompt, no OK to AT,
    no reply sentence, no 27.010 UA (a hung module), unlike an awaited event (URC, message)
    that did not come."""


class ProtocolError(BridgeError, ValueError):
    """Bytes that break the protocol: bad frame, bad checksum, a reply that does not parse."""


class DialectError(BridgeError, ValueError):
    """A dialect YAML file is malformed; the message names the file, the key and the expectation."""


class NotSupported(BridgeError, NotImplementedError):
    """The module family has no such operation (e.g. ``dial`` on BeiDou)."""


class ModuleRebooted(BridgeError):
    """A boot banner arrived while a command was pending: the module restarted under it."""


class CommandError(BridgeError):
    """The module answered a command with a final error result (ERROR, NO CARRIER, ...)."""

    def __init__(self, command: str, result: str, where: str = ""):
        self.command = command
        self.result = result
        super().__init__(f"{where}{command!r} -> {result}")


# TS 27.007 9.2.1 (general and network errors) and TS 27.005 3.2.5 (message service errors):
# the meanings named in error messages. Vendor codes (e.g. Quectel 516) keep their number only.
CME_MEANING = {
    0: "phone failure", 1: "no connection to phone", 3: "operation not allowed",
    4: "operation not supported", 5: "PH-SIM PIN required", 10: "SIM not inserted",
    11: "SIM PIN required", 12: "SIM PUK required", 13: "SIM failure", 14: "SIM busy",
    15: "SIM wrong", 16: "incorrect password", 20: "memory full", 21: "invalid index",
    22: "not found", 23: "memory failure", 30: "no network service", 31: "network timeout",
    32: "network not allowed - emergency calls only", 50: "incorrect parameters", 100: "unknown",
}
CMS_MEANING = {
    300: "ME failure", 301: "SMS service of ME reserved", 302: "operation not allowed",
    303: "operation not supported", 304: "invalid PDU mode parameter",
    305: "invalid text mode parameter", 310: "SIM not inserted", 311: "SIM PIN required",
    313: "SIM failure", 314: "SIM busy", 320: "memory failure", 321: "invalid memory index",
    322: "memory full", 330: "SMSC address unknown", 331: "no network service",
    332: "network timeout", 500: "unknown error",
}


def _with_meaning(code: int | None, text: str, table: dict[int, str]) -> str:
    if code is None:
        return text
    return f"{code} ({table[code]})" if code in table else str(code)


class CmeError(CommandError):
    """``+CME ERROR: <n|text>`` (TS 27.007 9.2): ``code`` is the number when given, else None."""

    def __init__(self, command: str, code: int | None, text: str, where: str = ""):
        self.code = code
        self.text = text
        super().__init__(command, f"+CME ERROR: {_with_meaning(code, text, CME_MEANING)}", where)


class CmsError(CommandError):
    """``+CMS ERROR: <n|text>`` (TS 27.005 3.2.5): ``code`` is the number when given."""

    def __init__(self, command: str, code: int | None, text: str, where: str = ""):
        self.code = code
        self.text = text
        super().__init__(command, f"+CMS ERROR: {_with_meaning(code, text, CMS_MEANING)}", where)
