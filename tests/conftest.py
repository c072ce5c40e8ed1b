"""Shared fixtures: the two backends of the C core, and external tools that must exist in CI."""
from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import settings

import phy_ffi
import phy_ffi.twin

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")   # CI verdicts are reproducible: the same examples every run


@pytest.fixture(params=["c", "twin"])
def phy(request):
    """The C-backed API and its numpy twin: every kernel test runs against both."""
    return phy_ffi if request.param == "c" else phy_ffi.twin


CI_TOOLS = {"tshark": "tshark", "ser2net": "ser2net", "gpsd": "gpsd", "chromium": "chromium",
            "ModemManager": "modemmanager", "mmcli": "modemmanager",
            "dbus-daemon": "dbus", "gdbus": "libglib2.0-bin"}
"""Every external program a test runs -> the Debian package .ci/run installs for it."""


@pytest.fixture(scope="session")
def require_tool():
    """``require_tool("tshark")`` -> its path; skips locally, fails when CI is set."""

    def need(name: str) -> str:
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
        if path:
            return path
        package = CI_TOOLS.get(name)
        message = (f"{name} is not installed (.ci/run installs Debian package {package})"
                   if package else f"{name} is not installed (build.py setup installs it with "
                                   f"the project's test extras)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    return need
