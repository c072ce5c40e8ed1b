"""docs/export.md documents every field the targets write (so the doc cannot drift)."""
from pathlib import Path

from ntnstack.export import amarisoft, oai, srsran, trajectory

DOC = (Path(__file__).resolve().parents[2] / "docs" / "export.md").read_text()


def test_every_field_and_column_is_documented():
    tables = srsran.BASE + srsran.STATE_VECTORS + srsran.ORBITAL + srsran.EXTENDED
    missing = [f.path for f in tables + oai.FIELDS + amarisoft.FIELDS
               if f"`{f.path}`" not in DOC]
    missing += [name for name in trajectory.UNITS if f"`{name}`" not in DOC]
    missing += [name for name in oai.TRACE_COLUMNS[:4] if f"`{name}`" not in DOC]
    assert missing == []


def test_documented_source_is_the_code_source():
    for f in srsran.BASE + oai.FIELDS + amarisoft.FIELDS:
        assert f.source in DOC, f.path
