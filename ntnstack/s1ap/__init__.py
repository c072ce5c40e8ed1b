"""ntnstack.s1ap - S1AP (TS 36.413 V17.4.0 subset, aligned PER) between the emulated
NB-IoT NTN eNB and an MME: the codec (``encode_pdu`` / ``decode_pdu``), the message builders
(``ntnstack.s1ap.messages``) and the tables read from the ASN.1 (``ntnstack.s1ap.spec``)."""
from ntnstack.s1ap.codec import (S1apDecodeError, S1apEncodeError, S1apPdu, decode_pdu,
                                 encode_pdu)

__all__ = ["S1apDecodeError", "S1apEncodeError", "S1apPdu", "decode_pdu", "encode_pdu"]
