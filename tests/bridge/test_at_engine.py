"""AT engine: finals, echo, V0, URC routing, prompts, banners, garbage (V.250, TS 27.007)."""
from __future__ import annotations

import logging
import re
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from at_bridge.at_engine import AtEngine, UrcPattern
from at_bridge.dialect import load_dialect
from at_bridge.errors import (
    CmeError,
    CmsError,
    CommandError,
    PortGone,
    Timeout,
)
from tests.bridge.conftest import FakeChannel

GENERIC = load_dialect("nbntn-generic")


def make_engine(replies: dict[str, bytes] | None = None, dialect=GENERIC):
    """Engine on a FakeChannel answering each command line with ``replies[line]``."""
    def script(data: bytes) -> list[bytes]:
        line = data.rstrip(b"\r").decode()
        return [replies[line]] if replies and line in replies else []
    ch = FakeChannel(script)
    return AtEngine.from_dialect(ch, dialect), ch


def test_ok_with_echo_and_information_lines():
    engine, ch = make_engine({"AT+CGMR": b"AT+CGMR\r\r\nmfw_nrf9151-ntn_1.0.0\r\n\r\nOK\r\n"})
    r = engine.command("AT+CGMR")
    assert r.lines == ("mfw_nrf9151-ntn_1.0.0",) and r.final == "OK"
    assert ch.written == [b"AT+CGMR\r"]


def test_echo_off_is_the_same():
    engine, _ = make_engine({"AT+CIMI": b"\r\n001010123456789\r\n\r\nOK\r\n"})
    assert engine.command("AT+CIMI").lines == ("001010123456789",)


@pytest.mark.parametrize("final,error", [
    ("ERROR", CommandError), ("NO CARRIER", CommandError), ("BUSY", CommandError),
    ("NO ANSWER", CommandError), ("NO DIALTONE", CommandError),
])
def test_error_finals(final, error):
    engine, _ = make_engine({"ATD123;": f"\r\n{final}\r\n".encode()})
    with pytest.raises(error, match=final):
        engine.command("ATD123;")


def test_cme_and_cms_errors_carry_code_and_text():
    # +CME ERROR: 516 = "not fixed now" in Quectel's GNSS note; 10 = SIM not inserted (27.007
    # 9.2.1); +CMS ERROR: 500 = unknown error (27.005 3.2.5).
    engine, _ = make_engine({"AT+QGPSLOC=2": b"\r\n+CME ERROR: 516\r\n",
                             "AT+CPIN?": b"\r\n+CME ERROR: SIM not inserted\r\n",
                             "AT+CMGS=1": b"\r\n+CMS ERROR: 500\r\n"})
    with pytest.raises(CmeError) as e:
        engine.command("AT+QGPSLOC=2")
    assert e.value.code == 516
    with pytest.raises(CmeError) as e:
        engine.command("AT+CPIN?")
    assert e.value.code is None and e.value.text == "SIM not inserted"
    with pytest.raises(CmsError, match=r"500 \(unknown error\)") as e:
        engine.command("AT+CMGS=1")
    assert e.value.code == 500


def test_connect_is_a_successful_final():
    engine, _ = make_engine({"ATD*99#": b"\r\nCONNECT 150000000\r\n"})
    assert engine.command("ATD*99#").final == "CONNECT 150000000"


def test_numeric_results_after_atv0():
    # V.250 6.2.6 / table 1: in V0 mode results are "<code><CR>": 0 OK, 4 ERROR.
    engine, _ = make_engine({"ATV0": b"ATV0\r0\r", "AT+CSQ": b"+CSQ: 20,99\r\n0\r",
                             "AT+XX": b"4\r", "ATV1": b"ATV1\r\r\nOK\r\n"})
    engine.command("ATV0")
    assert engine.command("AT+CSQ").lines == ("+CSQ: 20,99",)
    with pytest.raises(CommandError, match="ERROR"):
        engine.command("AT+XX")
    engine.command("ATV1")
    assert engine.verbose


def test_urcs_before_between_and_after_response_lines():
    reply = (b'\r\n+CEREG: 2\r\n\r\n+CGSN: "1"\r\n\r\n+CSCON: 1\r\n\r\n+CGSN: "2"\r\n'
             b'\r\nOK\r\n\r\n+CEREG: 1,"1A2B","01234567",14\r\n')
    engine, _ = make_engine({"AT+CGSN=1": reply})
    assert engine.command("AT+CGSN=1").lines == ('+CGSN: "1"', '+CGSN: "2"')
    names = [(u.name, u.fields.get("stat", u.fields.get("mode"))) for u in engine.urcs.drain()]
    assert names == [("cereg", "2"), ("cscon", "1"), ("cereg", "1")]


def test_same_prefix_urc_during_read_command():
    # During AT+CEREG? the read form "+CEREG: <n>,<stat>,..." (27.007 10.1.22) is the reply;
    # "+CEREG: <stat>,<tac>,..." (one field fewer, quoted second field) is the URC.
    reply = (b'\r\n+CEREG: 5,"1A2B","01234567",14\r\n\r\n+CEREG: 2,5,"1A2B","01234567",14\r\n'
             b'\r\n+CEREG: 1\r\n\r\nOK\r\n')
    engine, _ = make_engine({"AT+CEREG?": reply})
    cmd = GENERIC.command("cereg_read")
    r = engine.command("AT+CEREG?", claims=cmd.claims)
    assert r.lines == ('+CEREG: 2,5,"1A2B","01234567",14',)
    assert [u.fields["stat"] for u in engine.urcs.drain()] == ["5", "1"]


def test_multiline_urc_keeps_its_pdu_line():
    engine, ch = make_engine()
    pdu = b"0791448720003023240DD0E474D81C0EBB010000111011315214000BE474D81C0EBB5DE3771B"
    ch.feed(b"\r\n+CMT: ,24\r\n" + pdu + b"\r\n")
    urc = engine.urcs.get("cmt")
    assert urc.fields["len"] == "24" and urc.extra[0].startswith("07914487")


def test_prompt_send_ctrl_z_and_cancel_with_esc():
    def script(data: bytes) -> list[bytes]:
        if data == b"AT+CMGS=10\r":
            return [b"\r\n> "]
        if data.endswith(b"\x1a"):
            return [data[:-1] + b"\r\n+CMGS: 7\r\n\r\nOK\r\n"]  # payload echoed
        if data == b"\x1b":
            return [b"\r\nOK\r\n"]
        return []
    ch = FakeChannel(script)
    engine = AtEngine.from_dialect(ch, GENERIC)
    r = engine.command("AT+CMGS=10", prompt=True, payload=b"0011AB")
    assert r.lines == ("+CMGS: 7",)
    assert ch.written[-1] == b"0011AB\x1a"
    engine.command("AT+CMGS=10", prompt=True, payload=None)
    assert ch.written[-1] == b"\x1b"


def test_reboot_command_completes_on_banner():
    engine, _ = make_engine({"AT+CFUN=1,1": b"\r\nAPP RDY\r\n"}, load_dialect("nbntn-quectel"))
    assert engine.command("AT+CFUN=1,1", reboots=True).final == "APP RDY"


def test_silent_module_times_out_with_the_command_in_the_message():
    engine, _ = make_engine()
    with pytest.raises(Timeout, match=r"AT\+CSQ"):
        engine.command("AT+CSQ", timeout_s=0.05)


def test_port_gone_fails_the_pending_command():
    def script(data):
        for listener in ch.listeners:
            listener("gone")
        return []
    ch = FakeChannel(script)
    engine = AtEngine(ch)
    with pytest.raises(PortGone):
        engine.command("AT", timeout_s=1.0)


def test_garbage_bytes_are_dropped_counted_and_the_line_survives():
    engine, _ = make_engine({"AT": b"\r\n\xff\xfe\x00OK\r\n"})
    assert engine.command("AT").final == "OK"
    assert engine.stats["garbage_bytes"] >= 2


# ---- property-based: splits and interleavings -------------------------------------------
INFO = st.from_regex(r"\A[A-Za-z0-9_.]{1,12}( [A-Za-z0-9]{1,6})?\Z", fullmatch=True).filter(
    lambda s: s not in ("OK", "ERROR", "BUSY", "RING") and not s.startswith("CONNECT"))
URC_LINES = st.sampled_from([
    ('+CEREG: 1,"1A2B","01234567",14', "cereg"), ("+CEREG: 2", "cereg"),
    ("+CSCON: 0", "cscon"), ("+CGEV: ME PDN ACT 0", "cgev"),
    ('+CRTDCP: 0,2,"ABCD"', "crtdcp"),
    # a two-line URC (27.005 3.4.1 +CMT in PDU mode: header line, then the PDU line)
    ("+CMT: ,24\r\n0791448720003023240DD0E474D81C0EBB010000111011315214000BE474D81C0EBB5DE3771B",
     "cmt"),
])


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in pairwise(points) if b > a]


@settings(max_examples=150, deadline=None)
@given(info=st.lists(INFO, max_size=5), urcs=st.lists(URC_LINES, max_size=6),
       positions=st.lists(st.integers(0, 100), max_size=6), cuts=st.lists(st.integers(0, 10**6)),
       echo=st.booleans())
def test_interleavings_and_splits_never_lose_duplicate_or_misroute(info, urcs, positions,
                                                                   cuts, echo):
    """Responses and URCs in any order (before / between / after the response lines, after
    the final) and any chunking: each info line reaches the response once, each URC the
    queue once, in order."""
    body = list(info)
    seq: list[tuple[str, str | None]] = [(line, None) for line in body] + [("OK", None)]
    for k, (line, name) in enumerate(urcs):
        pos = positions[k] % (len(seq) + 1) if k < len(positions) else len(seq)
        seq.insert(pos, (line, name))
    stream = (b"AT+TEST\r" if echo else b"") + b"".join(f"\r\n{t}\r\n".encode() for t, _ in seq)
    ch = FakeChannel(lambda data: _chunks(stream, cuts))
    engine = AtEngine.from_dialect(ch, GENERIC)
    r = engine.command("AT+TEST", timeout_s=1.0)
    assert list(r.lines) == body
    queued = engine.urcs.drain()
    assert [(u.line, u.name) for u in queued] == \
        [(t.split("\r\n")[0], n) for t, n in seq if n is not None]
    assert all(u.extra[0].startswith("0791") for u in queued if u.name == "cmt")


@settings(max_examples=150, deadline=None)
@given(garbage=st.binary(max_size=300), cuts=st.lists(st.integers(0, 10**6), max_size=20))
def test_garbage_never_crashes_and_the_engine_still_answers(garbage, cuts):
    ch = FakeChannel()
    engine = AtEngine(ch, urcs=[UrcPattern("x", re.compile(r"^\+X: (?P<v>\d+)$"))])
    for chunk in _chunks(garbage, cuts):
        ch.feed(chunk)
    engine.urcs.drain()
    ch.script = lambda data: [b"\r\n\r\nOK\r\n"]
    assert engine.command("AT", timeout_s=1.0).final == "OK"


def test_full_urc_queue_counts_what_it_drops():
    engine, ch = make_engine()
    engine.urcs.maxlen = 3
    for i in range(5):
        ch.feed(f"\r\n+CSCON: {i % 2}\r\n".encode())
    assert len(engine.urcs) == 3 and engine.urcs.dropped == 2


def test_final_result_cuts_a_multi_line_urc_short():
    # +CMT: ,<length> is followed by the PDU line (TS 27.005 3.4.1); a module that drops the PDU
    # must not make the engine swallow the pending command's OK as the PDU.
    engine, ch = make_engine({"AT+CSQ": b"\r\n+CMT: ,23\r\n\r\nOK\r\n"})
    assert engine.command("AT+CSQ", timeout_s=1.0).final == "OK"
    cmt = engine.urcs.get("cmt")
    assert cmt.extra == () and cmt.fields["truncated"] == "1"


def test_prompt_command_ended_by_error_fails_at_once():
    # AT+CMGS answered with +CMS ERROR instead of "> " (27.005 3.5.1): the error, not a timeout
    engine, _ = make_engine({"AT+CMGS=23": b"\r\n+CMS ERROR: 330\r\n"})
    with pytest.raises(CmsError, match="330"):
        engine.command("AT+CMGS=23", prompt=True, payload=b"00", timeout_s=5.0)


def test_line_without_end_is_bounded():
    from at_bridge.at_engine import MAX_LINE_BYTES
    engine, ch = make_engine({"AT": b"\r\nOK\r\n"})
    ch.feed(b"x" * (MAX_LINE_BYTES + 1))
    assert engine.stats["garbage_bytes"] == MAX_LINE_BYTES + 1
    assert engine.command("AT", timeout_s=1.0).final == "OK"


def test_full_queue_does_not_log_every_drop(caplog):
    # at_bridge's own level: a CLI test before it in this worker may have left the root
    # logger at ERROR (``-q``: logging.basicConfig(force=True))
    caplog.set_level(logging.WARNING, logger="at_bridge")
    engine, ch = make_engine()
    engine.urcs.maxlen = 1
    for _ in range(3001):
        ch.feed(b"\r\n+CSCON: 1\r\n")
    drops = [r for r in caplog.records if "URC queue full" in r.message]
    assert engine.urcs.dropped == 3000 and len(drops) == 5   # 1st, 10th, 1000th, 2000th, 3000th


@pytest.mark.parametrize("pattern, line", [
    (r"^A|\+B: 1$", "+B: 1"),            # top-level alternation: no literal prefix
    (r"\+CSQ: (?P<v>\d+)", "x +CSQ: 5"),  # unanchored
    (r"^AB*C$", "AC"),                    # quantified literal is not part of the prefix
])
def test_literal_prefix_never_hides_a_match(pattern, line):
    ch = FakeChannel()
    engine = AtEngine(ch, urcs=[UrcPattern("u", re.compile(pattern))])
    ch.feed(f"\r\n{line}\r\n".encode())
    assert engine.urcs.get("u").line == line


def test_payload_end_none_sends_the_payload_alone():
    # fixed-length sends (the command announced the length) take no Ctrl-Z after the data
    engine, ch = make_engine()
    ch.script = lambda data: [b"\r\n> "] if data.startswith(b"AT+QISEND") else \
        [b"\r\nSEND OK\r\n"]
    engine.command("AT+QISEND=0,2", prompt=True, payload=b"AB", ok=("SEND OK",),
                   payload_end=b"", timeout_s=1.0)
    assert ch.written[-1] == b"AB"


# 27.005 3.5.1: the prompt is <CR><LF><greater_than><space>; a module may put anything with a
# line end right behind it (a URC it does not hold back, the echo of the command before it).
CMTI = b'\r\n+CMTI: "ME",3\r\n'
PDU = b"0791448720003023240DD0E474D81C0EBB010000111011315214000BE474D81C0EBB5DE3771B"
PROMPT_STREAMS = {
    "echo, prompt, URC": b"AT+CMGS=10\r\r\n> " + CMTI,
    "prompt, two-line URC": b"\r\n> \r\n+CMT: ,24\r\n" + PDU + b"\r\n",
    "URC, prompt, URC": CMTI + b"\r\n> " + CMTI,
    "prompt without a space": b"\r\n>" + CMTI,
}


def _send_split(stream: bytes, cuts: tuple[int, ...]):
    """AT+CMGS=10 against a module answering with ``stream`` cut at ``cuts``; the payload's
    echo and the final come after the Ctrl-Z. Returns (response, payload written, URCs)."""
    chunks = [stream[a:b] for a, b in pairwise((0, *cuts, len(stream)))]

    def script(data: bytes) -> list[bytes]:
        if data == b"AT+CMGS=10\r":
            return chunks
        if data.endswith(b"\x1a"):
            return [data[:-1] + b"\r\n+CMGS: 7\r\n\r\nOK\r\n"]
        return []
    ch = FakeChannel(script)
    engine = AtEngine.from_dialect(ch, GENERIC)
    r = engine.command("AT+CMGS=10", prompt=True, payload=b"0011AB", timeout_s=0.5)
    urcs = []
    while len(engine.urcs):
        u = engine.urcs.get()
        urcs.append((u.name, u.line, u.extra))
    return r, ch.written[-1], urcs


@pytest.mark.parametrize("stream", PROMPT_STREAMS.values(), ids=PROMPT_STREAMS.keys())
def test_prompt_is_found_however_the_stream_is_split(stream):
    """Every split of the stream in two or three chunks gives the same result: the prompt is
    seen where it sits in the bytes, whatever the reads' timing made of them."""
    whole = _send_split(stream, ())
    r, written, urcs = whole
    assert r.lines == ("+CMGS: 7",) and r.final == "OK" and written == b"0011AB\x1a"
    assert urcs and all(name in ("cmti", "cmt") for name, _, _ in urcs)   # no stray '>' line
    assert all(u[2] == (PDU.decode(),) for u in urcs if u[0] == "cmt")
    for i in range(len(stream) + 1):
        for j in range(i, len(stream) + 1):
            assert _send_split(stream, (i, j)) == whole, (i, j)
