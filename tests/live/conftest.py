"""The rig farm of tests/rigs (a real labgrid coordinator and exporter) for the live tests
of ``run --live`` on a held place."""
from tests.rigs.conftest import farm, free_places  # noqa: F401 - fixtures
