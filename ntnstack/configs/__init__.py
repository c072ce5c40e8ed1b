"""The configuration files shipped inside the package (installed as package data):
``scenarios/default.yaml`` (the default scenario), ``certification/*.yaml`` (the
certification profiles) and ``testbeds/virtual.yaml`` (every terminal virtual)."""
from __future__ import annotations

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
DEFAULT_SCENARIO = CONFIG_DIR / "scenarios" / "default.yaml"
PROFILE_DIR = CONFIG_DIR / "certification"
VIRTUAL_TESTBED = CONFIG_DIR / "testbeds" / "virtual.yaml"
