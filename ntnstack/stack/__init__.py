"""ntnstack.stack - protocol-level emulation of NB-IoT NTN access (docs/stack.md).

The satellite cell (``cell``: eNB behind a transparent or on a regenerative payload,
MIB-NB and SIB31-NB from the orbit), the MME (``mme``: EPS AKA with Milenage, NAS security
with EIA2 / EEA2, default bearer, data and SMS over NAS), the messages (``rrc_nb``: NB-IoT
RRC in UPER from ``asn/nbiot_rrc.asn``; ``nas``: TS 24.301 / 24.011 octets; ``crypto``),
and the UE procedures on the one clock (``session.StackSession``); ``presets`` builds the
TR 38.821 GEO and LEO-600 reference cells.
"""
from ntnstack.stack.cell import SatelliteCell
from ntnstack.stack.mme import Mme, Subscriber
from ntnstack.stack.presets import geo_cell, leo_cells, new_session
from ntnstack.stack.session import MessageRecord, ProcedureResult, StackSession, UeConfig

__all__ = ["MessageRecord", "Mme", "ProcedureResult", "SatelliteCell", "StackSession",
           "Subscriber", "UeConfig", "geo_cell", "leo_cells", "new_session"]
