"""Module journals -> timeline events: whole lines, URCs told from responses by the family's
dialect, 27.010 frames opened with their channel named."""
from __future__ import annotations

from at_bridge.cmux import Frame
from ntnstack.runner.modules import UIH, TrafficDecoder


def encode(dlci: int, control: int, info: bytes, cr: bool) -> bytes:
    return Frame(dlci, control, cr, False, info).encode()


def _decoder(family: str) -> TrafficDecoder:
    from at_bridge.dialect import load_dialect

    return TrafficDecoder("t", [u.pattern for u in load_dialect(family).urcs.values()])


def test_lines_split_across_chunks_and_urcs_recognised():
    d = _decoder("nbntn-generic")
    events = d.events([(1.0, "rx", "AT+CFUN=1\r"), (1.5, "tx", "\r\nOK\r\n\r\n+CEREG: 2"),
                       (2.0, "tx", "\r\n"), (50.0, "tx", '\r\n+CEREG: 5,"0001","01A2D001",14\r\n'),
                       (50.0, "event", "registration 5"), (50.0, "event", "urc +CEREG: 5")])
    assert [(e.t_s, e.kind, e.text) for e in events] == [
        (1.0, "cmd", "AT+CFUN=1"), (1.5, "rsp", "OK"), (2.0, "urc", "+CEREG: 2"),
        (50.0, "urc", '+CEREG: 5,"0001","01A2D001",14'), (50.0, "module", "registration 5")]


def test_cmux_frames_are_opened():
    d = _decoder("tiantong")
    frames = (encode(2, UIH, b"ATD+8617400000002;\r", cr=True)
              + encode(1, UIH, b"AT+CSQ\r", cr=True))
    ring = encode(2, UIH, b"\r\nRING\r\n", cr=False)
    events = d.events([(3.0, "rx", frames.decode("latin-1")),
                       (3.2, "tx", ring.decode("latin-1"))])
    assert [(e.kind, e.text) for e in events] == [
        ("cmd", "ch2: ATD+8617400000002;"), ("cmd", "ch1: AT+CSQ"), ("urc", "ch2: RING")]


def test_beidou_status_stream_is_left_to_the_raw_log():
    d = _decoder("beidou-bds3")
    pwi = "$BDPWI,000048.00,1,01,54*5A\r\n"
    fki = "$BDFKI,000049,TCQ,N,1,58*00\r\n"
    events = d.events([(48.0, "tx", pwi), (49.0, "tx", fki)])
    assert [(e.kind, e.text) for e in events] == [("urc", fki.strip())]


def test_real_port_timeline_comes_from_the_raw_log(tmp_path):
    """A real module has no journal: its timeline is read back from the bridge's raw log
    (written here by at_bridge's own RawLog), stamped on the run's clock."""
    from at_bridge.transport import RawLog
    from ntnstack.clock import Clock
    from ntnstack.runner.modules import BridgeModules
    from ntnstack.scenario import Port, load_scenario
    from tests.runner.conftest import SCENARIOS

    scenario = load_scenario([SCENARIOS / "waits.yaml"], "realtime")
    clock = Clock("realtime", 1.0, scenario.start_unix_s)
    ports = {"ue": Port("ue", "/dev/ttyUSB7", "nbntn-generic")}
    modules = BridgeModules(scenario, ports, clock, None, tmp_path)
    modules.log_dir.mkdir(parents=True)
    raw = RawLog(modules.log_dir / "ue.rawlog", clock.now)
    raw.event("open /dev/ttyUSB7")
    raw.record("out", b"AT+CEREG?\r")
    raw.record("in", b"\r\n+CEREG: 2,5\r\n\r\nOK\r\n\r\n+CEREG: 5\r\n")
    raw.close()
    modules.drivers["ue"] = raw  # any open driver: the name is what traffic() looks up
    events = modules.traffic()
    assert [(e.kind, e.text) for e in events] == [
        ("module", "open /dev/ttyUSB7"), ("cmd", "AT+CEREG?"), ("rsp", "+CEREG: 2,5"),
        ("rsp", "OK"), ("urc", "+CEREG: 5")]
    assert all(0.0 <= e.t_s < 5.0 for e in events)  # real time since the run started
    assert modules.traffic() == []  # each row once


def test_arrival_is_read_from_the_receive_stamps(tmp_path):
    """An attach is measured at the +CEREG: 5 that the dialect's attach procedure waits for,
    stamped on the run's clock when it reached the bridge, whatever the clock did after
    (here it ran on to 70 s before the runner looked)."""
    from at_bridge.transport import RawLog
    from ntnstack.clock import Clock
    from ntnstack.runner.modules import BridgeModules
    from ntnstack.scenario import Port, load_scenario
    from tests.runner.conftest import SCENARIOS

    scenario = load_scenario([SCENARIOS / "waits.yaml"])
    clock = Clock("virtual", 1.0, scenario.start_unix_s)
    modules = BridgeModules(scenario, {"ue": Port("ue", "/dev/ttyUSB7")}, clock, None,
                              tmp_path)
    modules.log_dir.mkdir(parents=True)
    raw = RawLog(modules.log_dir / "ue.rawlog", clock.now)
    clock.sleep(10.0)
    raw.record("in", b"\r\n+CEREG: 2\r\n")
    clock.sleep(40.0)
    raw.record("in", b'\r\n+CEREG: 5,"0001","01A2D001",14\r\n')
    clock.sleep(20.0)
    raw.close()
    assert clock.now() == 70.0
    assert modules.arrival_s("ue", "attach", 0.0) == 50.0
    assert modules.arrival_s("ue", "attach", 50.5) is None     # before the step: history
    assert modules.arrival_s("ue", "receive_data", 0.0) is None  # no +CRTDCP came
