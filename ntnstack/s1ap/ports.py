"""SCTP ports and streams of S1AP (TS 36.412 clause 7)."""

S1AP_SCTP_PORT = 36412     # the MME's SCTP port (IANA "s1-control")
ENB_SCTP_PORT = 38412      # the eNB's: any port will do; this one is recognisable in captures
UE_STREAM = 1              # stream 0 is for non-UE-associated signalling; UEs use stream 1
