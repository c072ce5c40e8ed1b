"""Garbage never crashes the module side: the AT line engine, the 27.010 deframer and every
family's input path take arbitrary bytes and still answer afterwards (hypothesis)."""
from __future__ import annotations

import re
import threading
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
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
    if family == "beidou-4.0":
        from tests.terminals.test_beidou40 import answers_a_card_query
        answers_a_card_query(rig, m)
    elif family.startswith("beidou"):
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


AT_FAMILIES = [f for f in FAMILIES if not f.startswith("beidou")]
CALL_CONTROL = {"D", "A", "H", "O", "+CHUP"}
"""Commands whose final result belongs to a call (V.250 6.3): left to the call tests."""
RESULT_FORMAT = {"V", "Q", "S3", "S4", "S5"}
"""Commands that change how result codes look (numeric, quiet, the line-end characters):
the test reads verbose results (test_vendor has the numeric ones)."""
PARAMS = st.text(alphabet='0123456789,"ABCXYZabc.-+', max_size=24)
ANSWER_REAL_S = 3.0
"""Real seconds a line may take to get its final result (the virtual clock answers at once;
a procedure that takes emulated time runs through it without waiting in real time)."""
FINAL_LINE = re.compile(r"^(OK|ERROR|NO CARRIER|BUSY|NO ANSWER|NO DIALTONE|CONNECT( .*)?|"
                        r"\+CME ERROR: .*|\+CMS ERROR: .*)$")
"""Final result codes (V.250 5.7.1, 27.007 9.2): a random parameter may end in a basic call
command (``ATS0=0A`` is S0=0 then A, answered NO CARRIER with no call ringing)."""


def _exchange(c, line: str) -> list[str]:
    """Send one command line; the final results that answer it (a '> ' prompt is left with
    ESC, which ends the command with its own final result)."""
    c.raw(line.encode("latin-1") + b"\r")
    finals: list[str] = []
    deadline = time.monotonic() + ANSWER_REAL_S
    while not finals and time.monotonic() < deadline:
        c._pump()
        if b"> " in c.buf:
            c.buf = c.buf.replace(b"> ", b"", 1)
            c.raw(b"\x1b")
        finals += [x for x in c.pending if FINAL_LINE.match(x)]
    c.pending.clear()
    return finals


@pytest.mark.parametrize("family", AT_FAMILIES)
def test_every_command_line_gets_exactly_one_final_result(virtual_rig, family):
    """Random forms of every command a family knows (test, read, set with random
    parameters, exec): each line gets one final result code, and the next AT gets its own
    OK with no late final result of the line before in between (V.250 5.7.1)."""
    rig = virtual_rig
    m = rig.module(family)
    rig.start()
    c = rig.client(m)
    names = sorted((set(m.handlers) | set(m.spec.replies) | set(m.settings))
                   - CALL_CONTROL - RESULT_FORMAT - set(m.spec.reset))
    c.cmd("ATE0")

    @settings(max_examples=60, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(names), st.sampled_from(["=?", "?", "=", ""]), PARAMS)
    @example("S0", "=", "0A")            # S0=0, then A: a call command inside a parameter
    def one_line(name, form, params):
        if m.booting:                       # a command that rebooted the module: wait for it
            rig.ready(m)
            c.cmd("ATE0")
        line = "AT" + name + form + (params if form == "=" else "")
        assert len(_exchange(c, line)) == 1, line
        assert _exchange(c, "AT") == ["OK"], f"a second final result after {line!r}"

    one_line()
