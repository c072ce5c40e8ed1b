"""ASN.1 of S1AP (TS 36.413 V17.4.0 subset), read by ntnstack.s1ap.spec; a package only so
that the .asn file installs with it."""
