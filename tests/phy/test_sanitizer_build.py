"""Under ``build.py test --sanitize`` the C-core tests must really run on the ASan+UBSan build."""
import ctypes
import os
from pathlib import Path

import pytest

from phy_ffi import _bindings

EXT_DIR = os.environ.get("NTNPHY_EXT_DIR")


@pytest.mark.skipif(not EXT_DIR, reason="only in the sanitizer run (build.py test --sanitize)")
def test_sanitized_module_is_the_one_loaded():
    assert Path(_bindings.COMPILED_PATH).parent.resolve() == Path(EXT_DIR).resolve()
    assert hasattr(ctypes.CDLL(None), "__asan_init"), "AddressSanitizer runtime not loaded"


@pytest.mark.skipif(bool(EXT_DIR), reason="the sanitizer run loads the other build")
def test_normal_run_loads_the_in_tree_module():
    assert Path(_bindings.COMPILED_PATH).parent == Path(_bindings.__file__).parent
