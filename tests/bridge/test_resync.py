"""Getting a module back to AT commands on a real pty: a "> " prompt with a URC behind it,
a data entry left open (TS 27.005 3.5.1, ESC cancels), a multiplexer left running by a host
that died (TS 27.010 5.8.2, CLD closes it)."""
from __future__ import annotations

import pytest

from at_bridge.cmux import CLOSE_DOWN
from at_bridge.drivers import open_module
from at_bridge.errors import Timeout
from tests.bridge.scripted import DataEntry
from tests.bridge.test_drivers import _submit_hex, nbntn_module, sms_payload, tiantong_module

CMGS = f"AT+CMGS={len(bytes.fromhex(_submit_hex())) - 1}"   # TPDU octets, SMSC octet excluded


def _data_entry_module(pty_peer, active: bool = False):
    """The scripted nbntn-generic module with a real data entry after AT+CMGS."""
    peer, responder = nbntn_module("nbntn-generic", pty_peer)
    entry = DataEntry(responder, active)
    responder.script[CMGS] = entry.open
    responder.on_payload = sms_payload
    peer.handler = lambda p, data, term: entry.feed(data.encode("latin-1"))
    return peer, responder, entry


def test_prompt_with_a_urc_behind_it_in_the_same_write(pty_peer):
    """The module writes "> " and a +CMTI at once (one os.write): send_sms still sees the
    prompt, sends the PDU, and the +CMTI is queued as a URC."""
    peer, responder, entry = _data_entry_module(pty_peer)
    entry.prompt = b'\r\n> \r\n+CMTI: "ME",3\r\n'
    with open_module(peer.path, "nbntn-generic") as m:
        m.power_on()
        assert m.send_sms("+8613800138000", "hello from orbit") == 3   # +CMGS: 3 of sms_payload
        assert m.urc("cmti").fields["index"] == "3"
    assert responder.submits[0].text == "hello from orbit" and entry.cancelled == 0


def test_a_prompt_command_that_times_out_is_cancelled_with_esc(pty_peer):
    """The prompt is lost on the line (the module is in data entry, the bridge never saw "> "):
    the command times out, and the next command first sends ESC, so it works."""
    peer, responder, entry = _data_entry_module(pty_peer)
    entry.prompt = b""
    with open_module(peer.path, "nbntn-generic") as m:
        m.power_on()
        with pytest.raises(Timeout, match="prompt"):
            m.engine.command(CMGS, prompt=True, payload=b"00", timeout_s=0.5)
        assert m.signal().rsrp_dbm == -91.0          # +CESQ rsrp 50 of COMMON
    assert entry.cancelled == 1 and not entry.active
    assert b"ATE1\r" not in entry.data               # nothing typed into the data entry


def test_power_on_cancels_a_data_entry_left_by_an_earlier_run(pty_peer):
    """A host died after "> " (the module still takes data): power_on's sync sends ESC when
    AT goes unanswered, then re-aligns."""
    peer, responder, entry = _data_entry_module(pty_peer, active=True)
    with open_module(peer.path, "nbntn-generic") as m:
        m.power_on()
        assert m.signal().rsrp_dbm == -91.0
    assert entry.cancelled == 1 and "AT+CMEE=1" in responder.lines


def test_power_on_closes_a_multiplexer_left_by_an_earlier_run(pty_peer):
    """Tiantong module still in 27.010 basic mode (the host died without close()): plain AT is
    garbage to it; power_on sends the close-down (CLD on DLCI 0), re-syncs and starts the
    multiplexer again."""
    peer, module = tiantong_module(pty_peer)
    module.left_multiplexed()                        # before the bridge opens the port
    first = module.mux
    with open_module(peer.path, "tiantong") as m:
        m.power_on()
        assert first.closed.is_set() and module.mux is not first   # closed, then started anew
        assert m.signal().rssi_dbm == -73.0          # +CSQ 20 of the script: -113 + 2*20 dBm
    assert CLOSE_DOWN in bytes(peer.received)
