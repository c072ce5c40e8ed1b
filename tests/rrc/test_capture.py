"""pcap writer: link type 252 (LINKTYPE_WIRESHARK_UPPER_PDU), tag 12 (dissector name) then
end-of-options, NUL-padded to 4 octets (Wireshark epan/exported_pdu.h); caller's timestamps."""
from __future__ import annotations

import struct
import subprocess

import pytest

from ntnstack.capture import LINKTYPE_UPPER_PDU, PcapWriter, exported_pdu
from ntnstack.errors import InputError


def test_exported_pdu_layout():
    pkt = exported_pdu("nr-rrc.bcch.dl.sch", b"\x01\x02")
    assert pkt[:4] == struct.pack(">HH", 12, 20)             # 18 characters padded to 20
    assert pkt[4:24] == b"nr-rrc.bcch.dl.sch\0\0"
    assert pkt[24:28] == b"\0\0\0\0" and pkt[28:] == b"\x01\x02"


def test_file_header_and_timestamps(tmp_path):
    path = tmp_path / "x.pcap"
    with PcapWriter(path) as w:
        w.write("lte-rrc.bcch.dl.sch", b"\x00", 1767225600.25)
        w.write("lte-rrc.bcch.dl.sch", b"\x00", 1767225601.000001)
    data = path.read_bytes()
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4 and linktype == LINKTYPE_UPPER_PDU
    sec, usec = struct.unpack("<II", data[24:32])
    assert (sec, usec) == (1767225600, 250000)
    second = 24 + 16 + struct.unpack("<I", data[32:36])[0]
    assert struct.unpack("<II", data[second:second + 8]) == (1767225601, 1)


def test_bad_inputs_are_named(tmp_path):
    # pcap record headers carry unsigned 32-bit seconds: 1970 .. 2106-02-07T06:28:15Z.
    for bad_t in (float("nan"), -1.0, 2.0**32 - 1, 5.68e9):   # 5.68e9 s: the year 2150
        with pytest.raises(InputError, match="outside what a pcap stamp holds"), \
                PcapWriter(tmp_path / "y.pcap") as w:
            w.write("nas-eps", b"", bad_t)
    with PcapWriter(tmp_path / "last.pcap") as w:
        w.write("nas-eps", b"", 2.0**32 - 2)   # the last whole second a pcap can stamp
    with pytest.raises(InputError, match="pcap"):
        PcapWriter(tmp_path / "missing-dir" / "z.pcap")


def test_tshark_uses_the_named_dissector(require_tool, tmp_path):
    tshark = require_tool("tshark")
    path = tmp_path / "nas.pcap"
    with PcapWriter(path) as w:
        w.write("nas-eps", bytes.fromhex("0741"), 1767225600.0)   # EMM attach request header
    out = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-e", "frame.protocols"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    assert out.strip().startswith("exported_pdu:nas-eps")
