"""setuptools hook for the C core: ``pip install .`` builds ``phy_ffi._ntnphy`` with the cffi
builder of build.py (the same builder ``python3 build.py compile`` uses). Everything else is
in pyproject.toml."""
from setuptools import setup

setup(cffi_modules=["build.py:ffibuilder"])
