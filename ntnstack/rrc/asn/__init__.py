"""ASN.1 of the NTN system information (TS 36.331 / TS 38.331 V17.4.0 subsets), read by
ntnstack.rrc.codec; a package only so that the .asn files install with it."""
