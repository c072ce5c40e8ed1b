"""Garbage never crashes the module side: the AT line engine, the 27.010 deframer and every
family's input path take arbitrary bytes and still answer afterwards (hypothesis)."""
from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from at_bridge import cmux
from ntnstack.terminals.at_engine import AtChannel, Reply
from ntnstack.terminals.families import FAMILIES

JUNK = st.binary(min_size=0, max_size=300)


@given(JUNK)
def test_at_channel_survives_any_bytes(data):
    out = bytearray()
    ch = AtChannel(out.extend, lambda ch, cmd: Reply(), echo=True)
    ch.feed(data)
    ch.feed(b"\x1b\r\nAT\r")          # leave any prompt, end any partial line
    assert out.endswith(b"OK\r\n") or out.endswith(b"ERROR\r\n")


@given(JUNK, st.integers(0, 61), st.binary(max_size=200))
def test_deframer_finds_a_good_frame_after_garbage(junk, dlci, info):
    """The Tiantong module's deframer (at_bridge's Mux, module side) after any garbage."""
    good = cmux.Frame(dlci, cmux.UIH, True, False, info).encode()
    frames = list(cmux.Deframer().feed(junk + b"\xf9" + good))
    assert frames and frames[-1] == cmux.Frame(dlci, cmux.UIH, True, False, info)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_answers_after_garbage(virtual_rig, family):
    rig = virtual_rig
    m = rig.module(family)
    rig.start()
    rig.ready(m)

    @settings(max_examples=25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(JUNK)
    def feed(data):
        done = threading.Event()
        rig.host.call_soon_threadsafe(lambda: (m.feed(data), done.set()))
        assert done.wait(5)

    feed()
    assert not m.events("internal error")
    rig.host.call_soon_threadsafe(lambda: m.feed(b"\x1b\r\n"))
    if family.startswith("beidou"):
        from tests.terminals.test_beidou import SentenceClient
        rig.ready(m)   # the garbage may have rebooted it: a booting card answers nothing
        c = SentenceClient(m.path, rig.host.clock)
        rig.clients.append(c)
        c.send("CCICA,0,00" if family == "beidou-2.1" else "CCICR,0,00")
        c.wait(r"^BDIC[IP],")
    else:
        c = rig.client(m)
        if m.booting or getattr(m, "deframer", None) is not None:
            pytest.skip("the garbage switched the module into a reboot or the multiplexer")
        assert c.cmd("AT")[1] in ("OK", "ERROR")
