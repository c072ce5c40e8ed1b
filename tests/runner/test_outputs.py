"""The journal and report.html of a run (written through the real classes); junit.xml:
test_junit.py."""
from __future__ import annotations

import sqlite3
from html.parser import HTMLParser

from ntnstack.runner import report
from ntnstack.runner.journal import read_run


def test_journal_is_wal_and_reads_back(fixture_run):
    db = sqlite3.connect(fixture_run / "results.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "steps", "expectations", "events", "samples"} <= tables
    data = read_run(fixture_run)
    assert [s["status"] for s in data["steps"]] == ["passed", "passed", "error", "skipped",
                                                    "passed"]
    attach = data["steps"][0]
    assert attach["observed"] == {"registered_after_s": 52.0}
    assert attach["checks"][0]["expected"] == 180.0 and attach["checks"][0]["passed"]
    assert [e["kind"] for e in data["events"]] == ["cmd", "urc"]
    assert data["samples"][-1]["delay_ms"] is None  # not visible: NaN stored as NULL


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1


def test_report_is_self_contained_with_plots(fixture_run):
    html = report.render(read_run(fixture_run))
    parser = _Parser()
    parser.feed(html)
    assert parser.tags["svg"] == 2 * len(report.PLOTS)  # two terminals with samples
    assert parser.tags["polyline"] >= 2 * len(report.PLOTS)
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for _, title, _, _ in report.PLOTS:
        assert title in html
    assert "+CEREG: 5" in html and "PortGone" in html


def test_report_renders_in_headless_chromium(fixture_run, tmp_path, require_tool):
    """The proof that the page renders: Chromium lays it out (the DOM it reports holds the
    plots) and paints it (a screenshot of the full page size)."""
    import struct
    import subprocess

    chromium = require_tool("chromium")
    page = tmp_path / "report.html"
    report.write(read_run(fixture_run), page)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert dom.stdout.count("<polyline") >= 2 * len(report.PLOTS), dom.stderr[-2000:]
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, *flags, "--window-size=1000,1400", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert (width, height) == (1000, 1400)
    assert len(png) > 20_000  # a blank page compresses to a few kB; plots and tables do not
