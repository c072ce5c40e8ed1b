"""ntnstack.capture - pcap files of the emulated messages (link type 252, exported PDU;
SCTP over IPv4 for S1AP in ntnstack.capture.sctp)."""
from ntnstack.capture.pcap import LINKTYPE_UPPER_PDU, PcapWriter, exported_pdu

__all__ = ["LINKTYPE_UPPER_PDU", "PcapWriter", "exported_pdu"]
