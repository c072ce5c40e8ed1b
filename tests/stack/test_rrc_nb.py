"""NB-IoT RRC subset: UPER round trips, constraint checks, and tshark's reading."""
from __future__ import annotations

import subprocess

import pytest

from ntnstack.capture.pcap import PcapWriter
from ntnstack.rrc import EncodeError
from ntnstack.stack import rrc_nb as r

SIB31_SCHEDULE = r.SiSchedule(position=2, periodicity_rf=128, window_ms=160,
                               radio_frame_offset=1, tb_bits=328)
SIB1 = r.sib1_nb(513, ("460", "01"), 0x1A2B, 0x0000101, SIB31_SCHEDULE)
PDUS = [
    (r.mib_nb(513, 3), "MasterInformationBlock-NB"),
    (SIB1, "SystemInformationBlockType1-NB"),
    (r.rrc_connection_request(0x123456789A), "RRCConnectionRequest-NB"),
    (r.rrc_connection_setup(0), "RRCConnectionSetup-NB"),
    (r.rrc_connection_setup_complete(1, bytes([0x07, 0x43, 0x00, 0x03, 0x52, 0x00, 0xC2])),
     "RRCConnectionSetupComplete-NB"),
    (r.ul_information_transfer(bytes([0x07, 0x43, 0x00, 0x03, 0x52, 0x00, 0xC2])),
     "ULInformationTransfer-NB"),
    (r.dl_information_transfer(2, bytes([0x07, 0x46])), "DLInformationTransfer-NB"),
    (r.rrc_connection_release(3), "RRCConnectionRelease-NB"),
]


@pytest.mark.parametrize("pdu, _name", PDUS)
def test_round_trip(pdu, _name):
    decoded = r.decode(pdu.channel, pdu.data)
    expected = "MasterInformationBlock-NB" if pdu.channel == "lte-rrc.bcch.bch.nb" else pdu.name
    assert r.message_name(pdu.channel, decoded) == expected


def test_mib_carries_the_sfn_msbs():
    decoded = r.decode("lte-rrc.bcch.bch.nb", r.mib_nb(513, 3).data)["message"]
    # SFN 513 = 0b10_0000_0001: 4 MSBs 1000 (TS 36.331 MasterInformationBlock-NB)
    assert decoded["systemFrameNumber-MSB-r13"] == (bytes([0x80]), 4)


def test_out_of_range_transaction_id_is_refused():
    with pytest.raises(EncodeError, match="rrcConnectionSetup"):
        r.rrc_connection_setup(4)      # RRC-TransactionIdentifier ::= INTEGER (0..3)


def test_tshark_names_every_message(tmp_path, require_tool):
    tshark = require_tool("tshark")
    path = tmp_path / "rrc.pcap"
    with PcapWriter(path) as writer:
        for i, (pdu, _) in enumerate(PDUS):
            writer.write(pdu.channel, pdu.data, 1.8e9 + i)
    out = subprocess.run([tshark, "-r", str(path), "-T", "fields", "-e", "_ws.col.Info",
                          "-e", "_ws.malformed"], capture_output=True, text=True, check=True)
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert [row[0].split(",")[0] for row in rows] == [name for _, name in PDUS]
    assert all(row[1] == "" for row in rows), "tshark marked a message malformed"


def test_rrc_connection_request_bits_derived_by_hand():
    # UPER (X.691) of TS 36.331 UL-CCCH-Message-NB, field by field:
    # CHOICE c1 (1 bit 0), c1 alternative 1 of 4 (01), criticalExtensions alternative 0 (0),
    # presence of multiToneSupport / multiCarrierSupport (10), InitialUE-Identity randomValue
    # (1) + 40 bits, EstablishmentCause-NB mo-Signalling 1 of 8 (001), multiToneSupport true
    # (1 value: no bits), earlyContentionResolution TRUE (1), CQI-NPDCCH-NB noMeasurements 0 of
    # 13 (0000), spare BIT STRING (SIZE (17)) zeros: 72 bits
    bits = "0" + "01" + "0" + "10" + "1" + f"{0x123456789A:040b}" + "001" + "1" + "0000" + \
        "0" * 17
    assert r.rrc_connection_request(0x123456789A).data == int(bits, 2).to_bytes(9, "big")


def test_nas_container_survives_the_round_trip():
    nas = bytes([0x07, 0x43, 0x00, 0x03, 0x52, 0x00, 0xC2])
    msg = r.decode("lte-rrc.ul.dcch.nb", r.ul_information_transfer(nas).data)["message"]
    ies = msg[1][1]["criticalExtensions"][1]
    assert ies["dedicatedInfoNAS-r13"] == nas


@pytest.mark.parametrize("cut", [0, 1, 3])
def test_truncated_message_is_a_decode_error_naming_the_channel(cut):
    data = r.dl_information_transfer(2, bytes(40)).data[:cut]
    with pytest.raises(r.DecodeError, match="lte-rrc.dl.dcch.nb: malformed message"):
        r.decode("lte-rrc.dl.dcch.nb", data)


def test_sib1_nb_tells_the_ue_where_sib31_nb_is():
    assert r.sib1_schedule(SIB1.data) == SIB31_SCHEDULE
    sib1 = r.decode("lte-rrc.bcch.dl.sch.nb", SIB1.data)["message"][1][1]
    # hyper-SFN 513 = 0b10_0000_0001: the 8 MSBs 1000 0000 (MIB-NB carries the 2 LSBs)
    assert sib1["hyperSFN-MSB-r13"] == (bytes([0x80]), 8)
    # SIB2-NB's SI message is always the first entry (TS 36.331 6.7.3.1 sib-MappingInfo)
    assert sib1["schedulingInfoList-r13"][0]["sib-MappingInfo-r13"] == []


def test_sib1_nb_without_sib31_nb_is_refused():
    # the same SIB1-NB with the v1530 mapping list emptied of SIB31-NB: a UE cannot find it
    value = r.decode("lte-rrc.bcch.dl.sch.nb", SIB1.data)
    ext = value["message"][1][1]
    for _ in range(4):
        ext = ext["nonCriticalExtension"]
    ext["schedulingInfoList-v1530"] = [{}, {"sib-MappingInfo-v1530": ["sibType23-NB-r15"]}]
    data = r._spec().encode("BCCH-DL-SCH-Message-NB", value, check_constraints=True)
    with pytest.raises(r.DecodeError, match="maps no SIB31-NB"):
        r.sib1_schedule(data)


def test_tshark_reads_the_sib1_nb_fields(tmp_path, require_tool):
    tshark = require_tool("tshark")
    path = tmp_path / "sib1.pcap"
    with PcapWriter(path) as writer:
        writer.write(SIB1.channel, SIB1.data, 1.8e9)
    fields = ["lte-rrc.MCC_MNC_Digit", "lte-rrc.trackingAreaCode_r13", "lte-rrc.cellIdentity_r13",
              "lte-rrc.cellBarred_r13", "lte-rrc.cellBarred_NTN_r17",
              "lte-rrc.freqBandIndicator_r13", "lte-rrc.si_Periodicity_r13",
              "lte-rrc.si_TB_r13", "lte-rrc.si_WindowLength_r13",
              "lte-rrc.si_RadioFrameOffset_r13", "lte-rrc.SIB_Type_NB_v1530", "_ws.malformed"]
    args = [tshark, "-r", str(path), "-T", "fields", "-E", "separator=|"]
    for name in fields:
        args += ["-e", name]
    row = subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    # enumerations by index (TS 36.331 6.7.3.1): cellBarred barred 0 / notBarred 1, rf128 1,
    # b208 2 / b328 4, ms160 0, SIB-Type-NB-v1530 sibType31-NB-r17 2
    assert row.split("|") == ["4,6,0,0,1", "1a2b", "00001010", "0", "1", "256", "1,1",
                              "2,4", "0", "1", "2", ""]
