"""The journal and report.html of a run (written through the real classes); junit.xml:
test_junit.py."""
from __future__ import annotations

import sqlite3
from html.parser import HTMLParser

from ntnstack.runner import report
from ntnstack.runner.journal import read_run
from tests.runner.conftest import write_journal


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


PLOTTED = 2
"""Series of the fixture's terminals that vary beyond their plot's smallest span: elevation
(40 -> 46 deg) and Doppler (0 -> -60 Hz); delay, TA and signal stay constant (conftest)."""


def test_report_is_self_contained_with_plots(fixture_run):
    html = report.render(read_run(fixture_run))
    parser = _Parser()
    parser.feed(html)
    assert parser.tags["svg"] == 2 * PLOTTED + 2   # two terminals with samples, two charts
    assert parser.tags["polyline"] >= 2 * PLOTTED
    assert "script" not in parser.tags and "link" not in parser.tags
    assert "http" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for title in ("elevation", "downlink Doppler"):
        assert f'aria-label="{title}"' in html
    assert "+CEREG: 5" in html and "PortGone" in html


def test_report_failures_first_version_legends_and_flat_series(fixture_run):
    import ntnstack

    html = report.render(read_run(write_journal(fixture_run.parent / "late", attach_s=240.0)),
                         ["serial/ue.rawlog", "capture.pcap"])
    assert f"ntnstack {ntnstack.__version__}" in html
    top = html.index('id="failures"')
    assert top < html.index('<section id="t-ue"')
    failures = html[top:html.index("</table>", top)]
    assert failures.index(">failed<") < failures.index(">error<") < failures.index(">skipped<")
    assert 'href="#s-ue-0"' in failures and 'id="s-ue-0"' in html
    assert '<a href="serial/ue.rawlog">' in html and '<a href="capture.pcap">' in html
    assert "Step status" in html and "not-observable: the bridge cannot see it" in html
    assert ("one-way service-link delay: 125 ms throughout (varies by less than 0.1 ms), "
            "with gaps out of view") in html
    assert 'aria-label="one-way service-link delay"' not in html


def test_message_sequence_chart_directions(fixture_run):
    from ntnstack.runner import msc, timeline

    svg = msc.chart(timeline.rows(read_run(fixture_run)), "ue")
    x = msc.X
    assert f'x1="{x["test"]}" x2="{x["module"]}"' in svg          # AT+CFUN=1: test -> module
    assert f'x1="{x["module"]}" x2="{x["test"]}"' in svg          # the +CEREG URC back
    assert "AT+CFUN=1" in svg and 'stroke-dasharray="5 3"' in svg  # a URC is dashed
    rows = [{"t_s": 1.0, "terminal": "ue", "kind": "stack", "text": "UL attachRequest"},
            {"t_s": 2.0, "terminal": "ue", "kind": "stack", "text": "DL attachAccept"}]
    svg = msc.chart(rows, "ue")
    assert f'x1="{x["module"]}" x2="{x["network"]}"' in svg
    assert f'x1="{x["network"]}" x2="{x["module"]}"' in svg


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
    assert dom.stdout.count("<polyline") >= 2 * PLOTTED, dom.stderr[-2000:]
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, *flags, "--window-size=1000,1400", f"--screenshot={shot}",
                    page.as_uri()], capture_output=True, timeout=120)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # IHDR
    assert (width, height) == (1000, 1400)
    assert len(png) > 20_000  # a blank page compresses to a few kB; plots and tables do not
