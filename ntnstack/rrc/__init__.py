"""ntnstack.rrc - RRC of the emulated NTN cells.

ASN.1 written from TS 36.331 / TS 38.331 V17.4.0 (``asn/``), compiled once with asn1tools
(UPER): ``codec`` (whole BCCH messages <-> NTN block fields), ``units`` and ``fields``
(physical units <-> quantised integers), ``builders`` (SIB31 / SIB31-NB / SIB19 from an orbit
source and a cell configuration), ``epoch`` (SI windows; the epoch a UE takes from a received
SIB, with or without epochTime; SIB19 neighbours as applied) and ``residuals`` (UE-side TA /
Doppler error as the ephemeris ages).
"""
from ntnstack.rrc.builders import BuiltSib, CellConfig, NeighbourCell, build_sib
from ntnstack.rrc.codec import KINDS, DecodeError, EncodeError, decode_sib, encode_sib
from ntnstack.rrc.epoch import SiWindows, neighbour_configs, resolve_epoch
from ntnstack.rrc.fields import from_fields, to_fields
from ntnstack.rrc.units import (CommonTa, EpochTime, Neighbour, NtnConfig, NtnSib,
                                OrbitalParameters, StateVectors)

__all__ = ["KINDS", "BuiltSib", "CellConfig", "CommonTa", "DecodeError", "EncodeError",
           "EpochTime", "Neighbour", "NeighbourCell", "NtnConfig", "NtnSib", "OrbitalParameters",
           "SiWindows", "StateVectors", "build_sib", "decode_sib", "encode_sib", "from_fields",
           "neighbour_configs", "resolve_epoch", "to_fields"]
