"""The known defects as a typed policy (ntnstack.terminals.firmware.FirmwareDefects): what
each decision gives, checked against an implementation we did not write where one exists
(python-stdnum's IMEI check), and a defect a family cannot have refused as bad input
before the run."""
from __future__ import annotations

import pytest
from stdnum import imei as stdnum_imei

from ntnstack.certification.defects import DEFECTS
from ntnstack.terminals.families import Identity
from ntnstack.terminals.firmware import (ACT_SATELLITE_NB_S1, ACT_TERRESTRIAL_NB_S1,
                                         NO_DEFECTS, FirmwareDefects)
from tests.runner.conftest import ntnstack


def test_every_defect_sets_a_field_of_the_policy():
    fields = set(FirmwareDefects.__dataclass_fields__)
    assert {d.field for d in DEFECTS.values()} == fields   # one name per field, none unused


def test_a_drifting_imei_is_a_new_valid_imei_of_the_same_type():
    first = Identity.for_serial(1)
    after = FirmwareDefects(identity_drifts=True).identity_after_boot(first)
    assert stdnum_imei.is_valid(first.imei) and stdnum_imei.is_valid(after.imei)
    assert after.imei != first.imei
    assert after.imei[:8] == first.imei[:8]                # TAC kept (TS 23.003 6.2.1)
    assert NO_DEFECTS.identity_after_boot(first) is first


def test_wrong_act_reports_the_terrestrial_access_for_the_satellite_one():
    wrong = FirmwareDefects(reports_terrestrial_act=True)
    assert wrong.reported_act(ACT_SATELLITE_NB_S1) == ACT_TERRESTRIAL_NB_S1
    assert wrong.reported_act(7) == 7 and wrong.reported_act(None) is None
    assert NO_DEFECTS.reported_act(ACT_SATELLITE_NB_S1) == ACT_SATELLITE_NB_S1


@pytest.mark.parametrize("pdp_type, refused", [
    ('"IPV6"', True), ("ipv4v6", True), ('"IP"', False), ('"Non-IP"', False)])
def test_an_ipv4_only_firmware_refuses_ipv6_pdp_types(pdp_type, refused):
    assert FirmwareDefects(rejects_ipv6_pdn=True).refuses_pdp_type(pdp_type) is refused
    assert NO_DEFECTS.refuses_pdp_type(pdp_type) is False


@pytest.mark.parametrize("family, defect, lacking", [
    ("tiantong", "ignore-validity", "no NB-IoT NTN stack"),
    ("tiantong", "attach-without-location", "no location requirement"),
])
def test_a_defect_the_family_cannot_have_is_bad_input_before_the_run(tmp_path, family,
                                                                      defect, lacking):
    out = tmp_path / "cert"
    proc = ntnstack("certify", "--profile", "direct-to-phone", "--family", family,
                    "--defect", f"phone:{defect}", "--out", str(out))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"'{defect}': a {family} module has {lacking}" in lines[0]
    assert not (out / "results.sqlite").exists()          # refused before any step ran
