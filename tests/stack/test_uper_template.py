"""The NAS-carrying RRC messages built from templates (``ntnstack.stack.uper_template``) are
the octets asn1tools encodes from the full value, for every transaction identifier and every
NAS length on either side of the X.691 length-determinant boundaries (128: one to two length
octets, 11.9.3.6; 16 384: fragmentation, 11.9.3.8), and pycrate (an independent UPER codec
of TS 36.331) reads the NAS back out of them."""
from __future__ import annotations

import random

import pytest

from ntnstack.rrc.codec import EncodeError
from ntnstack.stack import rrc_nb as r
from ntnstack.stack.uper_template import BitField, OctetTail

LENGTHS = [*range(0, 300), 16383, 16384, 20000]
TRANSACTION_IDS = range(4)      # RRC-TransactionIdentifier INTEGER (0..3), TS 36.331 6.3.6


def _compiler(name: str, transaction_id: int | None, nas: bytes) -> bytes:
    channel, value = r.NAS_CARRIERS[name]
    return r._spec().encode(r.CHANNELS[channel], value(transaction_id, nas),
                            check_constraints=True)


def _nas(n: int) -> bytes:
    return random.Random(n).randbytes(n)


@pytest.mark.parametrize("name, transaction_id", [
    *[("dlInformationTransfer-r13", t) for t in TRANSACTION_IDS],
    *[("rrcConnectionSetupComplete-r13", t) for t in TRANSACTION_IDS],
    ("ulInformationTransfer-r13", None)])
def test_template_equals_the_compiler_for_every_length(name, transaction_id):
    for n in LENGTHS:
        nas = _nas(n)
        built = r._nas_carrier(name, transaction_id, nas).data
        assert built == _compiler(name, transaction_id, nas), (name, transaction_id, n)


def test_pycrate_reads_the_nas_out_of_templated_messages():
    from pycrate_asn1dir import RRCLTE     # a test dependency (pyproject [test]): no skip

    nb = RRCLTE.NBIOT_RRC_Definitions
    for n in (1, 127, 128, 300):
        nas = _nas(n)
        for pdu, message in ((r.dl_information_transfer(3, nas), nb.DL_DCCH_Message_NB),
                             (r.ul_information_transfer(nas), nb.UL_DCCH_Message_NB),
                             (r.rrc_connection_setup_complete(2, nas), nb.UL_DCCH_Message_NB)):
            message.from_uper(pdu.data)
            ies = message.get_val()["message"][1][1]["criticalExtensions"][1]
            if isinstance(ies, tuple):           # DL: c1 -> dlInformationTransfer-r13
                ies = ies[1]
            assert ies["dedicatedInfoNAS-r13"] == nas
            assert message.to_uper() == pdu.data


def test_a_bad_transaction_identifier_is_still_refused():
    with pytest.raises(EncodeError, match="dlInformationTransfer-r13"):
        r.dl_information_transfer(4, b"\x07\x42")


def test_a_message_not_ending_in_an_octet_string_has_no_template():
    with pytest.raises(ValueError, match="OCTET STRING"):
        OctetTail.learn(lambda nas: r.rrc_connection_release(len(nas) % 4).data)


CAUSES = ("mt-Access", "mo-Signalling", "mo-Data", "mo-ExceptionData",
          "delayTolerantAccess-v1330", "mt-EDT-v1610")   # EstablishmentCause-NB-r13, 6.7.3


@pytest.mark.parametrize("cause", CAUSES)
def test_connection_request_template_equals_the_compiler(cause):
    rng = random.Random(cause)
    for value in (0, 1, (1 << 40) - 1, *(rng.getrandbits(40) for _ in range(200))):
        built = r.rrc_connection_request(value, cause).data
        assert built == r._spec().encode(
            "UL-CCCH-Message-NB", r._connection_request_value(value, cause, None),
            check_constraints=True), (cause, value)


def test_a_bad_cause_is_still_refused():
    with pytest.raises(EncodeError, match="rrcConnectionRequest-r13"):
        r.rrc_connection_request(5, "mo-Nothing")


def test_a_field_that_is_not_in_place_has_no_bit_template():
    with pytest.raises(ValueError, match="40-bit field"):
        BitField.learn(lambda value: r.ul_information_transfer(value.to_bytes(6, "big")
                                                               .lstrip(b"\0")).data, 40)
