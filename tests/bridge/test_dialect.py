"""Dialect tables: every family loads; malformed tables fail naming file, key, expectation."""
from __future__ import annotations

import pytest
import yaml

from at_bridge.dialect import FAMILIES, load_dialect, parse_dialect
from at_bridge.errors import DialectError

DRIVER_OPERATIONS = {"power_on", "identity", "attach", "registration", "signal"}


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_loads(family):
    d = load_dialect(family)
    assert d.family == family
    if d.kind == "at":
        assert set(d.procedures) >= DRIVER_OPERATIONS
    else:
        assert {"card_info", "send_short_message", "receive_short_message"} <= set(d.procedures)


def test_geo_attach_waits_minutes():
    # REFERENCE 5: registration arrives 50-120 s after CFUN=1 over GEO.
    for family in ("nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel",
                   "nbntn-sierra"):
        step = load_dialect(family).procedures["attach"][-1]
        assert step.kind == "wait_urc" and step.timeout_s >= 120


def test_read_form_never_matches_the_urc_pattern():
    for family in ("nbntn-generic", "nbntn-nordic", "nbntn-murata", "nbntn-quectel",
                   "nbntn-sierra"):
        d = load_dialect(family)
        assert not d.urcs["cereg"].pattern.search('+CEREG: 2,1,"1A2B","01234567",14')
        assert d.command("cereg_read").claims.search('+CEREG: 2,1,"1A2B","01234567",14')
        assert d.urcs["cereg"].pattern.search('+CEREG: 1,"1A2B","01234567",14')


def base() -> dict:
    with open(load_dialect("nbntn-generic").source, encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d.pop("kind"), r"x\.yaml: kind: expected a string \(missing\)"),
    (lambda d: d.update(kind="modem"), r"kind: expected 'at', 'sentence' or 'frame'"),
    (lambda d: d["commands"]["at"].update(timeout_s="long"),
     r"commands\.at\.timeout_s: expected a number"),
    (lambda d: d["urcs"].update(bad="(unclosed"), r"urcs\.bad: expected a valid regex"),
    (lambda d: d["procedures"]["attach"].append({"cmd": "nope"}),
     r"procedures\.attach\[2\]\.cmd: expected a command"),
    (lambda d: d["procedures"]["attach"].append({"wait_urc": "nope"}), r"expected a URC defined"),
    (lambda d: d["procedures"]["attach"].append({"cmd": "at", "sync": True}), r"exactly one of"),
    (lambda d: d["commands"]["at"].update(timout_s=3),
     r"commands\.at: expected one of send, .* \(unknown key 'timout_s'\)"),
    (lambda d: d["procedures"]["attach"].append({"cmd": "at", "timeout_s": 3}),
     r"procedures\.attach\[2\]: expected one of cmd, args, optional, channel"),
    (lambda d: d.update(echos=True), r"<top>: expected one of family.*unknown key 'echos'"),
    (lambda d: d["commands"]["at"].update(payload_end="crlf"),
     r"commands\.at\.payload_end: expected one of ctrl-z, none, got 'crlf'"),
])
def test_errors_name_file_key_and_expectation(mutate, message):
    data = base()
    mutate(data)
    with pytest.raises(DialectError, match=message):
        parse_dialect(data, "x.yaml")


def test_unknown_family_lists_the_known_ones():
    with pytest.raises(DialectError, match="nbntn-nordic"):
        load_dialect("nbntn-unknown")


def test_vendor_correction_is_a_yaml_edit(tmp_path):
    data = base()
    data["commands"]["imei"]["send"] = "AT+GSN"
    path = tmp_path / "corrected.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_dialect(path).command("imei").send == "AT+GSN"
