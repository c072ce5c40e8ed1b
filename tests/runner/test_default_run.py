"""The default scenario against virtual modules on the virtual clock: every expectation met,
more than an hour of emulated time, and its outputs (junit, report, journal, pcap, raw logs).
A deliberately failing expectation fails with a message a user understands."""
from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from ntnstack.runner.api import load_inputs, run_scenario
from ntnstack.runner.journal import read_run
from tests.runner.conftest import ntnstack

ONE_HOUR_S = 3600.0


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default")
    scenario, testbed, ports = load_inputs(None)
    t0 = time.monotonic()
    outcome = run_scenario(scenario, testbed, ports, out, progress=False)
    return outcome, time.monotonic() - t0


def test_every_expectation_met(default_run):
    from ntnstack.scenario import FAMILIES

    outcome, _ = default_run
    assert {r.family for r in outcome.results} == set(FAMILIES)
    failed = [f"{r.terminal} {r.label}: {r.message}" for r in outcome.results
              if r.status != "passed"]
    assert failed == []
    assert outcome.info.status == "passed"
    assert outcome.info.emulated_s > ONE_HOUR_S  # the LEO part waits for the next pass


def test_observations_follow_the_emulated_link(default_run):
    outcome, _ = default_run
    obs = {(r.terminal, r.action, r.index): r.observed for r in outcome.results}
    leo = [o for (t, a, _), o in sorted(obs.items(), key=lambda kv: kv[0][2])
           if t == "nb-leo" and a in ("expect_coverage_loss", "wait_for_pass")]
    rise1, set1, rise2 = leo[0]["rise_s"], leo[1]["set_s"], leo[2]["rise_s"]
    # the 600 km LEO preset culminates over this UE at start + 600 s (ntnstack.orbit presets);
    # one orbit is ~96.7 min, so the next usable pass starts more than an hour later
    assert rise1 < 600.0 < set1 and rise2 - set1 > ONE_HOUR_S
    assert 0.0 <= leo[1]["lost_after_s"] <= 30.0
    # BeiDou: the second message inside the card's service interval is refused
    bd = [o for (t, a, _), o in sorted(obs.items(), key=lambda kv: kv[0][2])
          if a == "send_short_message" and t == "bd-sanya"]
    assert [o["rate_limited"] for o in bd] == [False, True, False]
    # TA at registration: no driver reports one, so it is the arrival error of each virtual
    # module's own NPRACH preamble at the emulated eNB (what the terminal did, not what the
    # emulator broadcast)
    ta = [o for (t, a, _), o in obs.items() if a == "attach" and "ta_error_us" in o]
    assert {t for (t, a, _), o in obs.items() if a == "attach" and "ta_error_us" in o} == {
        "nb-geo", "nb-leo", "nb-shanghai", "nb-shenzhen", "nb-kunming"}
    assert all(o["ta_source"].startswith("emulated eNB") for o in ta)


def test_outputs_of_the_default_run(default_run):
    outcome, _ = default_run
    out = outcome.out_dir
    steps = len(outcome.results)
    root = ET.parse(out / "junit.xml").getroot()
    assert (int(root.get("tests")), root.get("failures"), root.get("errors")) == (steps, "0",
                                                                                  "0")
    terminals = {r.terminal for r in outcome.results}
    assert {s.get("name") for s in root.iter("testsuite")} == {f"default.{t}" for t in
                                                               terminals}
    data = read_run(out)
    assert len(data["steps"]) == steps and data["run"]["status"] == "passed"
    kinds = {e["kind"] for e in data["events"]}
    assert {"cmd", "rsp", "urc", "step"} <= kinds
    assert any("+CEREG: 5" in e["text"] for e in data["events"] if e["terminal"] == "nb-leo")
    assert any("RING" in e["text"] for e in data["events"] if e["terminal"] == "tt-lhasa")
    logs = sorted(p.name for p in (out / "serial").glob("*.rawlog"))
    assert logs == sorted(f"{r.terminal}.rawlog" for r in outcome.results if r.index < 1 or
                          r.action == "power_on")
    assert all((out / "serial" / name).stat().st_size > 0 for name in logs)
    html = (out / "report.html").read_text()
    assert html.count('class="msc"') == len(terminals)   # a sequence chart per terminal
    assert 'aria-label="elevation"' in html              # the LEO passes are plotted
    assert "Steady over the run (not plotted)" in html   # the GEO slots are not
    assert (out / "capture.pcap").stat().st_size > 24


def test_capture_dissects_as_sib31_nb(default_run, require_tool):
    import subprocess

    tshark = require_tool("tshark")
    outcome, _ = default_run
    res = subprocess.run([tshark, "-r", str(outcome.out_dir / "capture.pcap"), "-T", "fields",
                          "-e", "frame.protocols"], capture_output=True, text=True, timeout=60)
    lines = [x for x in res.stdout.splitlines() if x]
    assert lines and all("lte_rrc" in x for x in lines), res.stdout[:500] + res.stderr[:500]
    # the four NB-IoT modules' own stack sessions: NAS inside the RRC messages
    assert sum("nas-eps" in x for x in lines) >= 4 * 5
    info = subprocess.run([tshark, "-r", str(outcome.out_dir / "capture.pcap")],
                          capture_output=True, text=True, timeout=60).stdout
    assert "Malformed" not in info
    # one attach per module; on the next pass of its satellite nb-leo stays registered and,
    # T3412 (54 min) run out during the gap, sends a periodic tracking area update with its
    # GUTI (TS 24.301 5.3.5): no second attach, no new AKA or security mode
    assert info.count("Attach request") == info.count("Attach accept") >= 4
    assert info.count("Security mode command") == info.count("Attach request")
    assert info.count("Tracking area update request") == \
        info.count("Tracking area update accept") == 1
    assert "SIB31" in info and "MasterInformationBlock-NB" in info


def _tshark_rows(tshark: str, pcap, display_filter: str, *fields: str) -> list[list[str]]:
    import subprocess

    args = [tshark, "-r", str(pcap), "-Y", display_filter, "-T", "fields"]
    for f in ("frame.time_epoch", *fields):
        args += ["-e", f]
    out = subprocess.run(args, capture_output=True, text=True, timeout=60, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def test_capture_mib_nb_carries_the_sfn_of_its_time(default_run, require_tool):
    """TS 36.331 MasterInformationBlock-NB: sent in the 640 ms TTI that starts at SFN mod 64
    = 0, systemFrameNumber-MSB = SFN >> 6, hyperSFN-LSB = hyper-SFN mod 4; read by tshark
    and checked against the packet's time on the cells' frame timing (SFN 0 at the start)."""
    from ntnstack.rrc.epoch import frame_index

    outcome, _ = default_run
    sfn0 = outcome.info.start_unix_s
    rows = _tshark_rows(require_tool("tshark"), outcome.out_dir / "capture.pcap",
                        "lte-rrc.systemFrameNumber_MSB_r13", "lte-rrc.systemFrameNumber_MSB_r13",
                        "lte-rrc.hyperSFN_LSB_r13")
    assert len(rows) >= 5                                 # one per stack attach at least
    for t, msb_hex, hyper_hex in rows:
        frames = frame_index(sfn0, float(t))
        assert int(msb_hex, 16) >> 4 == (frames % 1024) >> 6, t
        assert int(hyper_hex, 16) >> 6 == (frames // 1024) % 4, t


def test_capture_sib31_nb_only_inside_its_si_window(default_run, require_tool):
    """SIB1-NB maps SIB31-NB to its 2nd SI message (si-Periodicity rf128, si-WindowLength
    ms160, si-RadioFrameOffset 1): TS 36.331 5.2.3a puts the window at x = 160 ms, SFN mod
    128 = floor(160 / 10) + 1 = 17, for 16 frames, so every SIB31-NB is sent in frames
    17..32 mod 128, and SIB2-NB, the first SI message, in frames 1..16. SIB1-NB itself goes
    in subframe 4 (TS 36.213 16.4.1.3)."""
    from ntnstack.rrc.epoch import frame_index, subframe_index

    tshark = require_tool("tshark")
    outcome, _ = default_run
    sfn0, pcap = outcome.info.start_unix_s, outcome.out_dir / "capture.pcap"
    si = _tshark_rows(tshark, pcap, "lte-rrc.sib31_v1700_element")
    assert len(si) > 100
    outside = [t for (t,) in si if not 17 <= frame_index(sfn0, float(t)) % 128 < 33]
    assert outside == []
    # SIB2-NB: the first SI message, x = 0, SFN mod 128 = 0 + 1 = 1, frames 1..16
    sib2 = _tshark_rows(tshark, pcap, "lte-rrc.sib2_r13_element")
    # each cell sends a SIB2-NB before each of its SIB31-NB (whose frame is whose:
    # capture-frames.json; a UE's reading at a broadcast's instant is that frame)
    cells = [f.get("cell") for f in json.loads((outcome.out_dir / "capture-frames.json")
                                               .read_text())]
    numbers = {name: [int(n) for (_, n) in _tshark_rows(tshark, pcap, field, "frame.number")]
               for name, field in (("sib2", "lte-rrc.sib2_r13_element"),
                                   ("sib31", "lte-rrc.sib31_v1700_element"))}
    per_cell = {name: Counter(cells[n - 1] for n in ns if cells[n - 1])
                for name, ns in numbers.items()}
    assert per_cell["sib2"] == per_cell["sib31"] and len(per_cell["sib2"]) == 2
    assert [t for (t,) in sib2 if not 1 <= frame_index(sfn0, float(t)) % 128 < 17] == []
    sib1 = _tshark_rows(tshark, pcap, "lte-rrc.systemInformationBlockType1_r13_element")
    assert sib1 and all(subframe_index(sfn0, float(t)) % 10 == 4 for (t,) in sib1)


def test_capture_rand_and_m_tmsi_are_fresh_for_every_attach(default_run, require_tool):
    """As tshark reads the run's capture: one RAND per AUTHENTICATION REQUEST, all different
    (TS 33.401 6.1.1), and one M-TMSI per ATTACH ACCEPT, all different across the five UEs
    of the one MME (TS 23.003 2.8); nb-leo's second pass is a tracking area update, which
    keeps its GUTI and security context (no RAND, no M-TMSI)."""
    tshark = require_tool("tshark")
    outcome, _ = default_run
    pcap = outcome.out_dir / "capture.pcap"
    rands = [r for (_, r) in _tshark_rows(tshark, pcap, "gsm_a.dtap.rand", "gsm_a.dtap.rand")]
    m_tmsis = [m for (_, m) in _tshark_rows(tshark, pcap, "nas_eps.emm.m_tmsi",
                                            "nas_eps.emm.m_tmsi")]
    attaches = sum(1 for r in outcome.results if r.action == "attach"
                   and r.family.startswith("nbntn"))
    assert len(rands) == len(set(rands)) == attaches
    # one fresh M-TMSI per ATTACH ACCEPT; the TRACKING AREA UPDATE ACCEPT repeats nb-leo's
    assert len(set(m_tmsis)) == attaches and len(m_tmsis) == attaches + 1
    assert any(m_tmsis.count(m) == 2 for m in m_tmsis)


def test_capture_says_whose_frame_is_whose(default_run, require_tool):
    """capture-frames.json names the cell or the terminal (and its IMSI) of every frame of
    capture.pcap; each UE's frames are also in capture-<terminal>.pcap, which tshark reads
    with no preferences."""
    import json

    tshark = require_tool("tshark")
    outcome, _ = default_run
    out = outcome.out_dir
    frames = json.loads((out / "capture-frames.json").read_text())
    times = _tshark_rows(tshark, out / "capture.pcap", "frame")
    assert [f["frame"] for f in frames] == list(range(1, len(times) + 1))
    assert all(abs(f["t_unix_s"] - float(t)) < 1e-6 for f, (t,) in zip(frames, times,
                                                                        strict=True))
    ues = {f["terminal"]: f["imsi"] for f in frames if "terminal" in f}
    assert set(ues) == {"nb-geo", "nb-shanghai", "nb-shenzhen", "nb-leo", "nb-kunming"}
    assert len(set(ues.values())) == 5                  # five UEs, five IMSIs
    assert {f["cell"] for f in frames if "cell" in f}   # the cells' own broadcast
    # a UE's reading of a broadcast is the cell's frame (received_by), not a second copy: no
    # UE frame of capture.pcap has a cell frame's time and bytes (scapy reads the file; two
    # cells may send the same SIB2-NB at the same instant, two frames on the air)
    from scapy.utils import rdpcap

    air = [(round(float(p.time), 6), bytes(p)) for p in rdpcap(str(out / "capture.pcap"))]
    assert len(air) == len(frames)
    sent = {key for f, key in zip(frames, air, strict=True) if "cell" in f}
    assert not [f for f, key in zip(frames, air, strict=True) if "terminal" in f and key in sent]
    assert any(f.get("received_by") for f in frames if "cell" in f)
    for terminal in ues:
        mine = _tshark_rows(tshark, out / f"capture-{terminal}.pcap", "frame")
        assert len(mine) == sum(1 for f in frames if f.get("terminal") == terminal
                                or terminal in f.get("received_by", ())) > 0


def test_timeline_holds_the_beidou_and_tiantong_exchanges(default_run):
    import json

    outcome, _ = default_run
    timeline = json.loads((outcome.out_dir / "timeline.json").read_text())
    events = timeline["events"]
    assert timeline["run_id"] == outcome.info.run_id
    assert [e["t_s"] for e in events] == sorted(e["t_s"] for e in events)
    families = {e["family"] for e in events}
    assert {"beidou-2.1", "beidou-bds3", "tiantong"} <= families
    assert any(e["text"].startswith("$CCTXA") or "CCTXA" in e["text"] for e in events
               if e["family"] == "beidou-2.1")
    assert any("RING" in e["text"] for e in events if e["family"] == "tiantong")


def test_protocol_shadow_recorded_beside_the_module(default_run):
    outcome, _ = default_run
    attach = {r.terminal: r.observed for r in outcome.results if r.action == "attach"
              and r.family.startswith("nbntn")}
    assert set(attach) == {"nb-geo", "nb-shanghai", "nb-shenzhen", "nb-leo", "nb-kunming"}
    for observed in attach.values():
        assert observed["stack_attach_ok"] is True and observed["stack_messages"] > 5
    events = [e for r in outcome.results for e in r.events if e.kind == "stack"]
    assert any("rrcConnectionRequest" in e.text for e in events)


def test_failing_expectation_is_explained(tmp_path):
    overlay = tmp_path / "strict.yaml"
    # docs/reference.md 5: NB-IoT NTN registration over GEO takes 50-120 s; 30 s cannot be met
    overlay.write_text(
        "steps:\n"
        "  - {terminal: nb-geo, do: power_on}\n"
        "  - {terminal: nb-geo, do: set_location}\n"
        "  - {terminal: nb-geo, do: attach, expect: {registered_within_s: 30}}\n")
    res = ntnstack("run", "ntnstack/configs/scenarios/default.yaml", str(overlay), "--out",
                   str(tmp_path / "out"))
    assert res.returncode == 1
    line = next(x for x in res.stdout.splitlines() if "02-attach" in x)
    assert "FAILED" in line
    assert "registered_within_s: expected registration URC after the attach command within " \
           "30 s, observed" in line
