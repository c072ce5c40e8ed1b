"""A testbed ``power:`` command for the tests: ``power_relay.py URL INDEX off|on`` switches
relay INDEX of a simplerest power model (tests/rigs/conftest.py PowerRelays), as a lab's
script for its power switch would."""
from __future__ import annotations

import sys
import urllib.request


def main(argv: list[str]) -> int:
    url, index, word = argv
    value = {"on": 1, "off": 0}[word]
    with urllib.request.urlopen(url.format(index=index, value=value), timeout=60) as answer:
        return 0 if answer.status == 200 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
