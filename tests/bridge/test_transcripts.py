"""Parsers against transcripts of real (or manual-constructed) module sessions.

Each fixture in tests/bridge/transcripts/ is named after module and firmware and says where it
comes from. The engine must route every module line as annotated: information lines to the
command's response, '<u' lines to the URC queue, '<b' lines as banners, echo dropped.
"""
from __future__ import annotations

import codecs

import pytest

from at_bridge.at_engine import AtEngine
from at_bridge.dialect import load_dialect
from at_bridge.sentence_engine import SentenceEngine, make_sentence, parse_sentence
from tests.bridge.conftest import TRANSCRIPTS, FakeChannel, load_transcript

FINALS = ("OK", "ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
CASES = [
    ("nrf9151-ntn_mfw-unstated_devzone-127790.txt", "nbntn-nordic"),
    ("quectel-bg96_BG96MAR02A07M1G_tinygsm-157.txt", "nbntn-quectel"),
    ("quectel-bg96_fw-unstated_azure-ewf-20.txt", "nbntn-quectel"),
    ("murata-1sc-ntn_constructed-from-manual.txt", "nbntn-murata"),
    ("tiantong_constructed-from-manual.txt", "tiantong"),
]
SENTENCE_CASES = [
    ("beidou-2.1_rdss-terminal_public-driver-log.txt", "beidou-2.1"),
    ("beidou-bds3_bluetooth-bridge-fw-20260604_public-doc.txt", "beidou-bds3"),
]


def test_every_transcript_has_a_source_header_and_is_tested():
    named = {name for name, _ in CASES + SENTENCE_CASES}
    for path in TRANSCRIPTS.glob("*.txt"):
        head = path.read_text(encoding="utf-8").splitlines()[:3]
        assert any(line.startswith("# Source:") for line in head), path.name
        assert path.name in named, f"{path.name} has no test case"


def wire(kind: str, text: str) -> bytes:
    if kind == "<raw":
        return codecs.decode(text, "unicode_escape").encode("latin-1")
    if kind == "<e":
        return text.encode() + b"\r"
    return f"\r\n{text}\r\n".encode()


def exchanges(rows):
    """(host line or None for the boot part, module rows) in order."""
    out, current = [(None, [])], None
    for kind, text in rows:
        if kind == ">":
            current = (text, [])
            out.append(current)
        else:
            out[-1][1].append((kind, text))
    return out


@pytest.mark.parametrize("name,family", CASES)
def test_transcript_routes_every_line(name, family):
    dialect = load_dialect(family)
    parts = exchanges(load_transcript(name))
    by_line = {host: rows for host, rows in parts if host is not None}
    ch = FakeChannel(lambda data: [wire(k, t) for k, t in by_line.get(
        data.rstrip(b"\r").decode(), []) if k not in ("=",)])
    engine = AtEngine.from_dialect(ch, dialect)
    for kind, text in parts[0][1]:
        ch.feed(wire(kind, text))
    expected_urcs = [t for k, t in parts[0][1] if k in ("<u", "<b")]
    for host, rows in parts[1:]:
        cmd = next((c for c in dialect.commands.values() if c.send == host), None)
        r = engine.command(host, timeout_s=1.0, claims=cmd.claims if cmd else None,
                           reboots=bool(cmd and cmd.reboots))
        info = [t for k, t in rows if k == "<" and t not in FINALS] + \
               [t for k, t in rows if k == "="]
        assert list(r.lines) == info, host
        expected_urcs += [t for k, t in rows if k in ("<u", "<b")]
    got = engine.urcs.drain()
    assert [u.line for u in got] == expected_urcs
    assert all(u.name != "unknown" for u in got), [u for u in got if u.name == "unknown"]



@pytest.mark.parametrize("name,family", SENTENCE_CASES)
def test_sentence_transcript(name, family):
    """Our encoder reproduces each logged host sentence byte for byte (checksum included);
    each $BDFKI answers its command and parses with the dialect; the rest is queued."""
    dialect = load_dialect(family)
    parts = exchanges(load_transcript(name))
    answers = [[t.encode() + b"\r\n" for _, t in rows] for _, rows in parts[1:]]
    ch = FakeChannel(lambda data: answers.pop(0))   # the module's rows after each host line
    engine = SentenceEngine.from_dialect(ch, dialect)
    expected_urcs = []
    for host, rows in parts[1:]:
        body = parse_sentence(host.encode())
        assert make_sentence(body) == host.encode() + b"\r\n"
        cmd = next((c for c in dialect.commands.values()
                    if c.send.split(",")[0] == body.split(",")[0]), None)
        fki = cmd.fki if cmd else None
        answer = engine.send(body, fki=fki, timeout_s=1.0)
        if fki:
            assert answer == parse_sentence(rows[0][1].encode())
            assert cmd.response.search(answer), answer
        expected_urcs += [parse_sentence(t.encode()) for k, t in rows if k == "<u"]
    got = engine.urcs.drain()
    assert [u.line for u in got] == expected_urcs and engine.stats["bad_checksum"] == 0
    for u in got:
        pattern = dialect.urcs.get(u.name)
        reply_cmd = next((c for c in dialect.commands.values() if c.reply == u.name), None)
        assert (pattern and pattern.pattern.search(u.line)) or \
            (reply_cmd and reply_cmd.response.search(u.line)), u.line
