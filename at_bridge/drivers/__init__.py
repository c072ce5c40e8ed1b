"""Drivers: one vocabulary for every terminal family.

Quick start::

    from at_bridge.drivers import open_module

    with open_module("/dev/serial/by-id/usb-Nordic...-if00", "nbntn-nordic",
                     log_path="nordic.rawlog") as m:
        m.power_on()                                  # sync (AT until OK), configure URCs
        print(m.identity())                           # Identity(imei, imsi, iccid, firmware)
        m.set_location(39.9042, 116.4074, 50.0, 10.0)  # deg, deg, m, m
        reg = m.attach(timeout_s=180)                 # Registration(stat=1|5, act=14, ...)
        m.send_data(b"hello")                         # NIDD (+CSODCP) or UDP socket per family
        print(m.receive_data(timeout_s=60))           # bytes
        m.send_sms("+8613800000000", "hello")         # PDU mode, returns the TP-MR
        print(m.receive_sms(timeout_s=120))           # Sms(sender, text, scts)

``url`` is anything pyserial's ``serial_for_url`` opens: a device path (``/dev/ttyUSB0``,
``/dev/serial/by-id/...``, a pty slave or a symlink to one), ``rfc2217://host:port``,
``socket://host:port``, ``loop://`` (a ser2net 4 port on a pty does not acknowledge RFC 2217
SET-CONTROL: add pyserial's ``?ign_set_control``). ``family`` is one of
``nbntn-generic, nbntn-nordic, nbntn-murata, nbntn-quectel, tiantong, beidou-2.1,
beidou-bds3, beidou-4.0, nbntn-sierra``; the dialect table ``at_bridge/dialects/<family>.yaml``
says which commands each operation sends (see that file for the exact lines a virtual module
must answer).

API (all timeouts in seconds; ``None`` = the dialect's value):

- ``open_module(url, family, log_path=None, *, baudrate=115200, exclusive=True,
  reconnect=True, dialect=None, ue_position=None) -> Driver``. ``dialect`` overrides the
  table (a family name or a YAML path); ``ue_position()`` -> (lat deg, lon deg, alt m) is
  where the UE is now, what the driver answers the module's position requests with. The
  port is open; nothing is sent until the first call.
- ``Driver.power_on()``: sync (``AT`` until ``OK``; when it goes unanswered, ESC and, for
  Tiantong, the 27.010 close-down between attempts, so a module that a killed run left in
  data entry or multiplexed answers again) and configure (echo off, +CMEE=1, URCs;
  Tiantong also starts the 27.010 multiplexer: ``AT+CMUX=0,0,5,1600``, DLCI 0, then
  DLCIs 1 control, 2 voice, 3 SMS, 4 data).
- ``reset()``; ``identity() -> Identity``; ``set_location(lat_deg, lon_deg, alt_m,
  accuracy_m=10.0) -> dict`` (gives the position now; a module that asks for it later, its
  dialect's ``location.requests``, is answered whenever the driver waits for a URC, with
  ``ue_position()`` or else this position: :mod:`at_bridge.drivers.location`);
  ``attach(timeout_s=None) -> Registration``; ``detach()``;
  ``registration() -> Registration``; ``signal() -> Signal``.
- ``send_data(data: bytes)``; ``receive_data(timeout_s=None) -> bytes`` (NB-IoT NTN: NIDD or
  a UDP socket per family; Tiantong: a UDP link of ^IPINIT / ^IPOPEN / ^IPSENDEX / ^IPDATA on
  the data channel, DLCI 4, to the echo address of the dialect's open_data procedure).
- ``send_sms(number, text) -> int`` (TP-MR of the first part; text longer than one PDU goes
  as concatenated parts); ``receive_sms(timeout_s=None) -> Sms`` (parts joined).
- Tiantong: ``dial(number, timeout_s=None)``, ``answer(timeout_s=None)``, ``hang_up()``,
  ``calls() -> list[dict]``.
- BeiDou: ``card_info() -> CardInfo``; ``send_short_message(dest, message,
  encoding="chinese"|"code"|"mixed") -> Feedback``; ``receive_short_message(timeout_s=None)
  -> ShortMessage``; ``status() -> dict`` (latest $BDBSI / $BDPWI; 4.0: $ZJXX / $SJXX, its
  binary frames through at_bridge.frame_engine).
- ``urc(name=None, timeout_s=0.0) -> Urc``: the next queued URC (all families).
- ``close()``; drivers are context managers.

Operations a family does not have raise :class:`NotSupported`. Errors: ``Timeout``
(TimeoutError), ``PortGone`` (ConnectionError), ``CmeError`` / ``CmsError`` (``.code``,
``.text``), ``CommandError`` (ERROR, NO CARRIER, BUSY, ...), ``ModuleRebooted`` (a boot banner
during a pending command; the driver has already re-synced with ``AT``, call ``power_on()`` to
restore the configuration), ``ProtocolError`` (garbage in a reply), all :class:`BridgeError`.
After ``PortGone`` the transport reopens the port when it returns; ``power_on()`` re-syncs.
"""
from __future__ import annotations

from at_bridge.drivers.base import (
    CardInfo,
    Driver,
    Feedback,
    Identity,
    Registration,
    ShortMessage,
    Signal,
    Sms,
)
from at_bridge.drivers.factory import open_module
from at_bridge.errors import NotSupported

__all__ = [
    "CardInfo",
    "Driver",
    "Feedback",
    "Identity",
    "NotSupported",
    "Registration",
    "ShortMessage",
    "Signal",
    "Sms",
    "open_module",
]
