"""The module-side AT engine: line splitting, result formats (ITU-T V.250, TS 27.007 9.1)."""
from __future__ import annotations

import pytest

from ntnstack.terminals.at_engine import AtChannel, CmeError, Command, Prompt, Reply, split_line


def test_split_basic_and_extended_commands():
    cmds = split_line('ATE0V1+CMEE=1;+CGDCONT=1,"IP","a;b";+CEREG?')
    assert [(c.name, c.kind, c.arg) for c in cmds] == [
        ("E", "exec", "0"), ("V", "exec", "1"), ("+CMEE", "set", "1"),
        ("+CGDCONT", "set", '1,"IP","a;b"'), ("+CEREG", "read", "")]


def test_split_dial_takes_the_rest_of_the_line():
    assert split_line("ATD+8613800138000;")[0] == Command("D", "exec", "+8613800138000;")


def test_split_s_register_and_test_form():
    assert [(c.name, c.kind, c.arg) for c in split_line("ATS7=60S0?+CFUN=?")] == [
        ("S7", "set", "60"), ("S0", "read", ""), ("+CFUN", "test", "")]


def test_not_at_is_an_error():
    with pytest.raises(CmeError):
        split_line("XY")


def test_params_keep_quoted_commas():
    assert Command("+X", "set", '1,"a,b",3').params() == ["1", "a,b", "3"]


def _channel(handler):
    out = bytearray()
    return AtChannel(out.extend, handler, echo=False), out


def test_verbose_numeric_and_cmee_forms():
    def handler(ch, cmd):
        if cmd.name == "+BAD":
            raise CmeError(50)
        return Reply(["+X: 1"])
    ch, out = _channel(handler)
    ch.feed(b"AT+X\r")
    assert bytes(out) == b"\r\n+X: 1\r\n\r\nOK\r\n"      # V.250 5.7.1: verbose framing
    out.clear()
    ch.verbose = False
    ch.feed(b"AT+X\r")
    assert bytes(out) == b"+X: 1\r\n0\r"                  # V.250: numeric OK = 0
    out.clear()
    ch.verbose, ch.cmee = True, 1
    ch.feed(b"AT+BAD\r")
    assert bytes(out) == b"\r\n+CME ERROR: 50\r\n"        # 27.007 9.2: 50 incorrect parameters
    out.clear()
    ch.cmee = 2
    ch.feed(b"AT+BAD\r")
    assert bytes(out) == b"\r\n+CME ERROR: incorrect parameters\r\n"


def test_a_slash_repeats_the_last_line():
    seen = []
    ch, out = _channel(lambda ch, cmd: seen.append(cmd.name) or Reply())
    ch.feed(b"AT+CSQ\rA/")
    assert seen == ["+CSQ", "+CSQ"]


def test_a_line_without_at_gets_no_result_code():
    """V.250 5.2.1: characters before the "AT" prefix are ignored, so a line without one is
    no command line and gets no result code; "xxAT" is AT."""
    seen = []
    ch, out = _channel(lambda ch, cmd: seen.append(cmd.name) or Reply())
    ch.feed(b"hello\r")
    assert bytes(out) == b"" and seen == []
    ch.feed(b"xxAT+CSQ\r")
    assert bytes(out) == b"\r\nOK\r\n" and seen == ["+CSQ"]


def test_urcs_wait_for_the_end_of_a_prompt_entry():
    """TS 27.005 3.4.1 (<mode> 2: URCs buffered while the TA-TE link is reserved): a URC
    during "> " entry comes after the command's final result, in order; after ESC as well."""
    ch, out = _channel(lambda ch, cmd: Prompt(lambda d: Reply(["+CMGS: 1"])))
    ch.feed(b"AT+CMGS=5\r00")
    ch.urc("+CMTI: \"ME\",1")
    ch.urc("+CEREG: 5")
    assert bytes(out) == b"\r\n> "
    ch.feed(b"11\x1a")
    assert bytes(out) == (b"\r\n> \r\n+CMGS: 1\r\n\r\nOK\r\n"
                          b"\r\n+CMTI: \"ME\",1\r\n\r\n+CEREG: 5\r\n")
    out.clear()
    ch.feed(b"AT+CMGS=5\r")
    ch.urc("+CEREG: 2")
    ch.feed(b"\x1b")
    assert bytes(out) == b"\r\n> \r\nOK\r\n\r\n+CEREG: 2\r\n"


def test_urcs_wait_for_a_final_result_that_comes_later():
    """The text after the prompt answered later (an SMS waiting for its RP-ACK): URCs stay
    held until that final result."""
    ch, out = _channel(lambda ch, cmd: Prompt(lambda d: Reply(final=None)))
    ch.feed(b"AT+CMGS=5\r0011\x1a")
    ch.urc("+CMT: ,5")
    assert bytes(out) == b"\r\n> "
    ch.info("+CMGS: 7")
    ch.final("OK")
    assert bytes(out) == b"\r\n> \r\n+CMGS: 7\r\n\r\nOK\r\n\r\n+CMT: ,5\r\n"
    out.clear()
    ch.urc("+CEREG: 5")                                  # nothing reserved any more
    assert bytes(out) == b"\r\n+CEREG: 5\r\n"


def test_prompt_ctrl_z_sends_and_esc_cancels():
    got = []
    ch, out = _channel(lambda ch, cmd: Prompt(lambda d: got.append(d) or Reply(["+CMGS: 1"])))
    ch.feed(b"AT+CMGS=5\r0011\x1a")
    assert got == [b"0011"] and bytes(out).endswith(b"+CMGS: 1\r\n\r\nOK\r\n")
    out.clear()
    ch.feed(b"AT+CMGS=5\r0011\x1b")
    assert got == [b"0011"] and bytes(out) == b"\r\n> \r\nOK\r\n"


def test_fixed_length_prompt_takes_exactly_n_bytes():
    got = []
    ch, _ = _channel(lambda ch, cmd: Prompt(lambda d: got.append(d) or Reply(), length=3))
    ch.feed(b"AT+QISEND=0,3\r\x1a\x1bZAT\r")
    assert got == [b"\x1a\x1bZ"]


def test_echo_and_backspace():
    ch, out = _channel(lambda ch, cmd: Reply([cmd.name]))
    ch.echo = True
    ch.feed(b"AT+CX\x08SQ\r")
    assert bytes(out).startswith(b"AT+CX\x08SQ\r") and b"+CSQ" in bytes(out)
