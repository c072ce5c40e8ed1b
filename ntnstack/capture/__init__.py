"""ntnstack.capture - pcap files of the emulated messages (link type 252, exported PDU)."""
from ntnstack.capture.pcap import LINKTYPE_UPPER_PDU, PcapWriter, exported_pdu

__all__ = ["LINKTYPE_UPPER_PDU", "PcapWriter", "exported_pdu"]
