"""The module families: the one list every layer uses (at_bridge dialects, the virtual
modules of ntnstack.terminals, scenario and testbed YAML, the CLI). A family has a dialect
file ``at_bridge/dialects/<family>.yaml`` and an entry in ntnstack's families.yaml; tests
check that both exist for every name here. Nothing is imported here, so that the CLI's
parsers can name the families without loading anything."""

FAMILIES = ("nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel", "tiantong",
            "beidou-2.1", "beidou-bds3", "beidou-4.0", "nbntn-sierra")
