"""The pytest plugin (entry point pytest11 = ntnstack.pytest_plugin), exercised with pytester
in subprocesses, the way a vendor's suite runs it."""
from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET

import ntnstack.scenario  # noqa: F401 - see below
from tests.runner.conftest import SCENARIOS

pytest_plugins = ["pytester"]
"""In-process pytester runs put sys.modules back after each run: a module first imported
inside one (PyYAML, under ntnstack.scenario) would be imported again, half of it, by the next,
whose YAML events then match none of the composer's classes. Imported here first, it stays."""

SUITE = textwrap.dedent(f"""\
    import pytest

    WAITS = {str(SCENARIOS / "waits.yaml")!r}
    NO_PASS = {str(SCENARIOS / "no_pass.yaml")!r}

    @pytest.mark.ntn_orbit("leo")
    @pytest.mark.ntn_family("nbntn-generic")
    def test_leo_pass(ntn_run):
        outcome = ntn_run(WAITS)
        assert outcome.passed
        assert (outcome.out_dir / "results.sqlite").exists()

    @pytest.mark.ntn_orbit("leo")
    def test_leo_no_pass(ntn_run):
        outcome = ntn_run(WAITS, NO_PASS)
        assert not outcome.passed

    @pytest.mark.ntn_family("tiantong")
    @pytest.mark.ntn_orbit("geo")
    def test_tiantong_selected_by_marker():
        pass

    @pytest.mark.ntn_hardware
    def test_on_the_rig(ntn_testbed):
        assert ntn_testbed.hardware
    """)


def test_markers_select_and_hardware_is_opt_in(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest("-m", "leo", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, deselected=2)
    result = pytester.runpytest("-m", "tiantong and geo", "-rs")
    result.assert_outcomes(passed=1, deselected=3)
    result = pytester.runpytest("-m", "ntn_hardware", "-rs")
    result.assert_outcomes(skipped=1, deselected=3)
    result.stdout.fnmatch_lines(["*hardware test: give a rig with --ntn-testbed FILE*"])


def test_virtual_testbed_flag_keeps_hardware_skipped(pytester):
    pytester.makepyfile(test_suite=SUITE)
    bed = pytester.makefile(".yaml", virtual="name: all-virtual\ndefault: virtual\n")
    result = pytester.runpytest("--ntn-testbed", str(bed), "-k", "rig", "-rs")
    result.assert_outcomes(skipped=1, deselected=3)
    result.stdout.fnmatch_lines(["*has no hardware ports*"])


def test_expected_and_observed_become_junit_properties(pytester):
    pytester.makepyfile(test_suite=SUITE)
    xml = pytester.path / "junit.xml"
    result = pytester.runpytest("-k", "leo_no_pass", f"--junitxml={xml}")
    result.assert_outcomes(passed=1, deselected=3)
    case = ET.parse(xml).getroot().find(".//testcase[@name='test_leo_no_pass']")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["ue.00-wait.status"] == "passed"
    assert props["ue.01-wait_for_pass.status"] == "failed"
    assert props["ue.01-wait_for_pass.expected.succeeds"] == "True"
    assert props["ue.01-wait_for_pass.observed.succeeds"] == "False"


def test_parallel_workers_own_their_directories(pytester):
    record = pytester.path / "out_dirs.txt"
    note = f"    open({str(record)!r}, 'a').write(str(outcome.out_dir) + '\\n')\n"
    suite = SUITE.replace("    assert outcome.passed\n", note + "    assert outcome.passed\n")
    suite = suite.replace("    assert not outcome.passed\n",
                          note + "    assert not outcome.passed\n")
    pytester.makepyfile(test_suite=suite)
    result = pytester.runpytest_subprocess("-n", "2", "-m", "leo", "--dist", "each")
    result.assert_outcomes(passed=4)  # --dist each: both tests on both workers
    dirs = record.read_text().split()
    assert len(dirs) == len(set(dirs)) == 4
    # the last "popen-gwN" in the path is the inner run's worker (an outer xdist run adds its own)
    assert {d.split("popen-")[-1].split("/")[0] for d in dirs} == {"gw0", "gw1"}


TIANTONG_ONLY = """\
name: tiantong-only
default: none
ports:
  tt: {url: "loop://", family: tiantong}
"""


def test_family_and_orbit_the_testbed_lacks_are_skipped(pytester):
    """A rig with only a Tiantong module (default none: no virtual fill-in): NB-IoT tests and
    LEO tests are skipped with the reason; a Tiantong GEO test runs."""
    pytester.makepyfile(test_suite=SUITE)
    bed = pytester.makefile(".yaml", rig=TIANTONG_ONLY)
    result = pytester.runpytest("--ntn-testbed", str(bed), "-k", "not rig", "-rs")
    result.assert_outcomes(passed=1, skipped=2, deselected=1)
    result.stdout.fnmatch_lines([
        "*testbed tiantong-only has no nbntn-generic module (it has: tiantong)*",
        "*testbed tiantong-only: no module family of it works over leo (families: tiantong)*"])


def test_every_family_on_a_virtual_testbed():
    from ntnstack.pytest_plugin import testbed_families
    from at_bridge.families import FAMILIES
    from ntnstack.scenario.testbed import virtual_testbed

    assert testbed_families(virtual_testbed(), hardware_only=False) == set(FAMILIES)
    assert testbed_families(virtual_testbed(), hardware_only=True) == set()


def test_a_port_that_does_not_open_fails_the_run_at_once(pytester):
    """The run's hardware port is checked before the first step: the test fails in seconds,
    naming the terminal and the port (not a wait for a module that is not there)."""
    pytester.makepyfile(test_suite=SUITE)
    bed = pytester.makefile(".yaml", rig="name: absent\nports:\n  ue: {url: "
                            "/dev/serial/by-id/usb-absent-if00, family: nbntn-generic}\n")
    result = pytester.runpytest("--ntn-testbed", str(bed), "-k", "test_leo_pass", "-rf")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines(["*testbed ports not opening: ue: "
                                 "/dev/serial/by-id/usb-absent-if00: cannot open*"])
    assert result.duration < 30.0


BENCH_SUITE = textwrap.dedent(f"""\
    import pytest

    WAITS = {str(SCENARIOS / "waits.yaml")!r}

    @pytest.mark.ntn_scenario(WAITS)
    def test_marked_scenario(ntn_terminal, ntn_bench):
        assert ntn_bench.scenario.name == "waits"
        ue = ntn_terminal("ue")
        ue.power_on()
        assert ue.identity().imei
        t0 = ntn_bench.t()
        assert ntn_bench.wait(600.0) == t0 + 600.0      # emulated seconds, no real wait
        with pytest.raises(KeyError, match="no terminal 'tt-lhasa' in scenario waits"):
            ntn_terminal("tt-lhasa")

    def test_default_scenario(ntn_terminal, ntn_bench):
        tt = ntn_terminal("tt-lhasa")
        tt.power_on()
        ntn_bench.wait(30.0)   # search 10 s + 4 GEO round trips (about 0.5 s each)
        assert tt.registration().stat == 1
    """)


def test_terminals_of_a_bench_wait_in_emulated_time(pytester):
    """ntn_terminal / ntn_bench as a vendor suite uses them: the scenario of the
    ntn_scenario marker (else the default one), drivers by terminal name, bench.wait in
    emulated time (600 s on the virtual clock)."""
    pytester.makepyfile(test_bench=BENCH_SUITE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_bad_clock_option_is_a_usage_error_at_start_up(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--ntn-clock", "virtual:3", "-k", "leo_pass")
    assert result.ret == 4   # pytest's usage error: no test ran
    result.stderr.fnmatch_lines(["*--ntn-clock: clock 'virtual:3': expected virtual*"])
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_a_missing_testbed_is_a_usage_error_at_start_up(pytester):
    pytester.makepyfile(test_suite=SUITE)
    result = pytester.runpytest_subprocess("--ntn-testbed", "/nonexistent/bed.yaml")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--ntn-testbed: */nonexistent/bed.yaml*"])


def test_a_testbed_port_the_scenario_lacks_is_a_shown_warning(pytester):
    pytester.makepyfile(test_suite=SUITE)
    bed = pytester.makefile(".yaml", bed="name: b\nports:\n  aa: {url: virtual}\n")
    result = pytester.runpytest("--ntn-testbed", str(bed), "-k", "leo_pass")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(["*bed.yaml:3:*ports.aa (virtual): the scenario has no terminal "
                                 "of this name; the port is not used*"])
