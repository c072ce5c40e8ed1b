"""Run a certification profile once per (profile, family, defects) in a session: several
tests read the same run."""
from __future__ import annotations

import pytest

from ntnstack.certification import certify, load_profile

_RUNS: dict = {}


@pytest.fixture(scope="session")
def run_profile(tmp_path_factory):
    def run(profile: str, family: str | None = None, defects: dict | None = None):
        key = (profile, family, tuple(sorted((defects or {}).items())))
        if key not in _RUNS:
            out = tmp_path_factory.mktemp(f"{profile}-{family}")
            _RUNS[key] = certify(load_profile(profile, family), out, defects=defects)
        return _RUNS[key]
    return run
