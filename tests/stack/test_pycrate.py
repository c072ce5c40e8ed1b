"""A second, independent decoder: every RRC-NB message the stack emits, in every flow (GEO
attach, data, MO / MT SMS, release; LEO attach and cell change; paging of an idle UE;
re-establishment after radio link failure; detach), is decoded by pycrate's NB-IoT RRC
(TS 36.331 Rel-17 ASN.1, UPER) and re-encodes to the same octets; the message names agree
with tshark's; the NAS inside (dedicatedInfoNAS) is decoded by pycrate's TS 24.301 decoders
and re-encodes to the same octets. pycrate shares no code with asn1tools, our NAS codec or
Wireshark."""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

from ntnstack.stack import UeConfig
from ntnstack.stack.presets import geo_cell, new_session
from tests.stack.conftest import START_UNIX_S, tshark_rows

pytest.importorskip("pycrate_asn1dir")   # a test dependency (pyproject [test])

from pycrate_asn1dir import RRCLTE  # noqa: E402
from pycrate_mobile.NAS import parse_NAS_MO, parse_NAS_MT  # noqa: E402

NB = RRCLTE.NBIOT_RRC_Definitions
MESSAGES = {"lte-rrc.bcch.bch.nb": NB.BCCH_BCH_Message_NB,
            "lte-rrc.bcch.dl.sch.nb": NB.BCCH_DL_SCH_Message_NB,
            "lte-rrc.dl.ccch.nb": NB.DL_CCCH_Message_NB,
            "lte-rrc.ul.ccch.nb": NB.UL_CCCH_Message_NB,
            "lte-rrc.dl.dcch.nb": NB.DL_DCCH_Message_NB,
            "lte-rrc.ul.dcch.nb": NB.UL_DCCH_Message_NB,
            "lte-rrc.pcch.nb": NB.PCCH_Message_NB}
"""Exported-PDU dissector name -> pycrate's message type (TS 36.331 6.7 NB-IoT)."""
UPLINK = ("lte-rrc.ul.ccch.nb", "lte-rrc.ul.dcch.nb")


def packets(pcap: Path) -> list[tuple[str, bytes]]:
    """(dissector name, PDU) of every packet of a link-type-252 pcap (tag 12, then tag 0)."""
    return [(name, pdu) for _, name, pdu in timed_packets(pcap)]


def timed_packets(pcap: Path) -> list[tuple[float, str, bytes]]:
    """(unix s, dissector name, PDU) of every packet of a link-type-252 pcap."""
    from scapy.utils import RawPcapReader

    out = []
    with RawPcapReader(str(pcap)) as reader:
        for data, meta in reader:
            tag, length = struct.unpack(">HH", data[:4])
            assert tag == 12
            name = data[4:4 + length].decode().rstrip("\0")
            assert struct.unpack(">HH", data[4 + length:8 + length]) == (0, 0)
            out.append((meta.sec + meta.usec * 1e-6, name, bytes(data[8 + length:])))
    return out


@pytest.fixture(scope="module")
def flows(tmp_path_factory, request) -> dict[str, Path]:
    """The pcaps of the stack's flows (EEA0, so the NAS inside can be read)."""
    geo = request.getfixturevalue("geo_run")
    leo = request.getfixturevalue("leo_run")
    out = {"geo": geo.pcap, "leo": leo.pcap}
    base = tmp_path_factory.mktemp("flows")
    for name, steps in (("paging", ("attach", "release", "mt-data", "release", "mt-sms")),
                        ("reestablishment", ("attach", "rlf", "data")),
                        ("detach", ("attach", "data", "release", "detach"))):
        pcap = base / f"{name}.pcap"
        s = new_session([geo_cell(START_UNIX_S)], START_UNIX_S + 0.3, pcap=pcap, eea="eea0",
                        ue=UeConfig(pdn_type="ipv4"))
        for step in steps:
            assert _run_step(s, step).ok, (name, step)
        s.close()
        out[name] = pcap
    return out


class _Ok:
    ok = True


def _run_step(s, step: str):
    if step == "rlf":
        s.force_radio_link_failure()
        return _Ok()
    return {"attach": s.attach, "release": s.release, "detach": s.detach,
            "data": lambda: s.send_data(b"up"), "mt-data": lambda: s.receive_data(b"down"),
            "mt-sms": lambda: s.receive_sms("+8613912345678", "paged")}[step]()


def _rrc_messages(flows: dict[str, Path]) -> list[tuple[str, str, bytes]]:
    return [(flow, name, pdu) for flow, pcap in flows.items()
            for name, pdu in packets(pcap) if name in MESSAGES]


def test_every_rrc_nb_message_decodes_and_re_encodes_identically(flows):
    messages = _rrc_messages(flows)
    kinds = {name for _, name, _ in messages}
    assert kinds == set(MESSAGES)        # every NB-IoT logical channel was exercised
    for flow, name, pdu in messages:
        codec = MESSAGES[name]
        codec.from_uper(pdu)
        assert codec.to_uper() == pdu, (flow, name, pdu.hex())


def test_pycrate_and_tshark_name_the_same_messages(flows):
    for flow, pcap in flows.items():
        ours = [(name, pdu) for name, pdu in packets(pcap)]
        theirs = [row[0] for row in tshark_rows(pcap, "_ws.col.Info")]
        assert len(ours) == len(theirs), flow
        for (name, pdu), info in zip(ours, theirs, strict=True):
            if name not in MESSAGES:
                continue
            codec = MESSAGES[name]
            codec.from_uper(pdu)
            message = _message_name(codec.get_val())
            assert message in _plain(info), (flow, message, info)


def _message_name(value) -> str:
    """The message's name, plain (c1 choices opened; a message with no choice is the
    MIB-NB)."""
    choice = value["message"]
    while isinstance(choice, tuple) and choice[0] in ("c1", "messageClassExtension"):
        choice = choice[1]
    if not isinstance(choice, tuple):
        return "masterinformationblocknb"
    return _plain(choice[0].replace("-r13", ""))


def _plain(text: str) -> str:
    """Lower case without separators: rrcConnectionRequest ~ RRCConnectionRequest-NB."""
    return text.lower().replace("-", "").replace("_", "")


def _nas_of(value) -> list[bytes]:
    """Every dedicatedInfoNAS octet string inside a decoded RRC message."""
    found = []

    def walk(v):
        if isinstance(v, dict):
            for key, item in v.items():
                if key.startswith("dedicatedInfoNAS") and isinstance(item, bytes):
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(v, (tuple, list)):
            for item in v:
                walk(item)
    walk(value)
    return found


def test_nas_inside_decodes_with_pycrate_and_re_encodes(flows):
    count = 0
    for flow, name, pdu in _rrc_messages(flows):
        codec = MESSAGES[name]
        codec.from_uper(pdu)
        for nas in _nas_of(codec.get_val()):
            parse = parse_NAS_MO if name in UPLINK else parse_NAS_MT
            msg, err = parse(nas)
            assert err == 0, (flow, name, nas.hex())
            assert msg.to_bytes() == nas, (flow, name, nas.hex())
            header_type = nas[0] >> 4
            if header_type in (1, 2, 3, 4):       # EEA0: the inner message is plain
                inner, err = parse(nas[6:])
                assert err == 0 and inner.to_bytes() == nas[6:], (flow, name, nas.hex())
            count += 1
    assert count >= 20


def test_attach_request_asks_for_cp_ciot_and_sms_only_as_pycrate_reads_it():
    """TS 24.301 9.9.3.0B read by pycrate: PNB-CIoT 1 (control plane CIoT EPS optimization),
    SAF 0, AUTV 1 (SMS only); EPS attach type 2 (combined EPS/IMSI attach, 9.9.3.11)."""
    from ntnstack.stack import nas as n

    msg, err = parse_NAS_MO(n.attach_request("001010000000001"))
    assert err == 0
    fields = {k: v for k, v in _leaves(msg.get_val_d())}
    assert (fields["PNB_CIoT"], fields["SAF"], fields["AUTV"]) == (1, 0, 1)
    assert msg["EPSAttachType"].get_val() == [2]


def _leaves(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    else:
        yield key, value


def _pycrate_leaves(kind, value, name: str, out: list) -> None:
    """(plain name, value) of every named INTEGER / ENUMERATED (as its index) / BOOLEAN of a
    decoded message, in encoding order: what tshark shows as a field's value."""
    t = kind.TYPE
    if t in ("SEQUENCE", "SET"):
        for key, item in value.items():
            _pycrate_leaves(kind._cont[key], item, key, out)
    elif t == "CHOICE":
        _pycrate_leaves(kind._cont[value[0]], value[1], value[0], out)
    elif t == "SEQUENCE OF":
        for item in value:
            _pycrate_leaves(kind._cont, item, "", out)
    elif name and t == "ENUMERATED":
        out.append((_plain(name), str(kind._root.index(value))))
    elif name and t == "INTEGER":
        out.append((_plain(name), str(value)))
    elif name and t == "BOOLEAN":
        out.append((_plain(name), str(int(value))))


def _tshark_leaves(layers, out: list) -> None:
    """(plain name, value) of every lte-rrc field tshark's JSON shows, in order."""
    if isinstance(layers, dict):
        for key, item in layers.items():
            if isinstance(item, (dict, list)):
                _tshark_leaves(item, out)
            elif key.startswith("lte-rrc."):
                out.append((_plain(key[len("lte-rrc."):]), item))
    elif isinstance(layers, list):
        for item in layers:
            _tshark_leaves(item, out)


def test_field_values_agree_with_tshark(flows, require_tool):
    """Every field both decoders name (INTEGER, ENUMERATED index, BOOLEAN) has the same
    values, in the same order, in pycrate's decoding and in tshark's, message by message."""
    import json
    import subprocess

    tshark = require_tool("tshark")
    compared = 0
    for flow, pcap in flows.items():
        out = subprocess.run([tshark, "-r", str(pcap), "-T", "json"], capture_output=True,
                             text=True, timeout=120, check=True).stdout
        for (name, pdu), packet in zip(packets(pcap), json.loads(out), strict=True):
            if name not in MESSAGES:
                continue
            codec = MESSAGES[name]
            codec.from_uper(pdu)
            ours: list = []
            _pycrate_leaves(codec, codec.get_val(), "", ours)
            theirs: list = []
            _tshark_leaves(packet["_source"]["layers"], theirs)
            both = {n for n, _ in ours} & {n for n, _ in theirs}
            assert both or not ours, (flow, name)
            for field in both:
                mine = [v for n, v in ours if n == field]
                seen = [v for n, v in theirs if n == field]
                assert mine == seen, (flow, name, field, mine, seen)
                compared += len(mine)
    assert compared > 200, compared


def test_paging_goes_out_at_the_ue_paging_occasion(flows):
    """TS 36.304 7.1 (NB-IoT, T = defaultPagingCycle 256, nB = T/4, Ns = 1): every Paging-NB
    of the paging flow is sent in subframe 9 (Table 7.2-3) of a frame with SFN mod T = (T div
    N) x (UE_ID mod N), N = 64, UE_ID = IMSI mod 4096; times read from the capture."""
    from ntnstack.rrc.epoch import frame_index, subframe_index

    imsi = UeConfig().imsi
    pf = 4 * ((int(imsi) % 4096) % 64)
    sfn0 = START_UNIX_S                           # geo_cell(START_UNIX_S): SFN 0 there
    pages = [t for t, name, _ in timed_packets(flows["paging"]) if name == "lte-rrc.pcch.nb"]
    assert len(pages) == 2                        # the MT data and the MT SMS
    assert [frame_index(sfn0, t) % 256 for t in pages] == [pf, pf]
    assert [subframe_index(sfn0, t) % 10 for t in pages] == [9, 9]
