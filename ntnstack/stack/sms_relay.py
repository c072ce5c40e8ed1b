"""The SMSC between the MME's own subscribers (``ntnstack mme``: S1apMme._route_sms): an MO
SMS whose destination (TP-DA) is a subscriber's MSISDN becomes an SMS-DELIVER to that
subscriber, from the sender's MSISDN (TP-OA), with the submit's TP-PID, TP-DCS, TP-UDHI and
user data as they were (TS 23.040 9.2.2.1 / 9.2.2.2; the SC's time stamp TP-SCTS its own).

The RP-ACK the sender gets is the SC's acceptance (TS 24.011 7.3.3, TS 23.040 10.1): it is
sent after the SMS-DELIVER has gone to the recipient (DOWNLINK NAS TRANSPORT to a connected
one, PAGING of an idle one); the recipient's own RP-ACK ends the MT transfer and is not
awaited for the sender (a status report, TP-SRR, is not implemented). Refusals are RP-ERROR
causes (TS 24.011 8.2.5.4, Table 8.4).
"""
from __future__ import annotations

from datetime import datetime

from at_bridge.sms_pdu import PduError, decode_address, encode_address, encode_scts
from ntnstack.errors import InputError

__all__ = ["RP_CAUSE_DESTINATION_OUT_OF_ORDER", "RP_CAUSE_UNASSIGNED_NUMBER",
           "RP_CAUSE_UNIDENTIFIED_SUBSCRIBER", "submit_destination", "submit_to_deliver"]

RP_CAUSE_UNASSIGNED_NUMBER = 1          # the destination is no subscriber's MSISDN
RP_CAUSE_DESTINATION_OUT_OF_ORDER = 27  # the destination's UE is not attached (no SC store)
RP_CAUSE_UNIDENTIFIED_SUBSCRIBER = 28   # the sender has no MSISDN to be the TP-OA
SUBMIT_MTI, UDHI = 0x01, 0x40
DELIVER_NO_MORE_MESSAGES = 0x04         # TP-MMS: no more messages waiting (9.2.3.2)
VP_OCTETS = {0: 0, 2: 1, 1: 7, 3: 7}    # TP-VPF -> TP-VP octets (9.2.3.3)


def submit_destination(submit: bytes) -> tuple[str, int]:
    """(TP-DA of the SMS-SUBMIT ``submit``, the octet after it); InputError naming the field
    when it is not one."""
    if len(submit) < 2 or submit[0] & 0x03 != SUBMIT_MTI:
        raise InputError(f"MO SMS: TPDU {submit[:1].hex()} is not an SMS-SUBMIT")
    try:
        return decode_address(submit, 2, "SMS-SUBMIT")
    except PduError as exc:
        raise InputError(f"MO SMS: {exc}") from None


def submit_to_deliver(submit: bytes, originator: str, scts: datetime) -> bytes:
    """The SMS-DELIVER from ``originator``, time-stamped ``scts``, of the SMS-SUBMIT
    ``submit`` (InputError as ``submit_destination``)."""
    i = submit_destination(submit)[1]
    vp = VP_OCTETS[(submit[0] >> 3) & 0x03]
    if len(submit) < i + 3 + vp:
        raise InputError("MO SMS: SMS-SUBMIT ends before TP-UDL")
    pid, dcs, user_data = submit[i], submit[i + 1], submit[i + 2 + vp:]   # TP-UDL onwards
    first = DELIVER_NO_MORE_MESSAGES | (submit[0] & UDHI)
    return (bytes([first]) + encode_address(originator) + bytes([pid, dcs]) + encode_scts(scts)
            + user_data)
