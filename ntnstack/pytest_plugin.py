"""pytest plugin of ntnstack (entry point ``pytest11: ntnstack``).

The same test runs on virtual modules by default and on a rig with one flag::

    pytest tests/                                  # every terminal a virtual module
    pytest tests/ --ntn-testbed testbeds/lab.yaml  # the rig's ports, hardware tests enabled
    pytest tests/ --ntn-labgrid rig-a              # the ports of a labgrid place

Fixtures
- ``ntn_testbed``: the validated Testbed (``--ntn-testbed``, else every terminal virtual);
  with ``--ntn-labgrid PLACE`` (or ``labgrid.places`` in the testbed) the places are held
  for the session and their serial resources are the ports of the terminals they are named
  after (ntnstack.rigs; coordinator: the testbed's, else LG_COORDINATOR).
- ``ntn_run(*scenario_files, clock=None)``: run scenarios on the testbed into a directory of
  this test; returns the RunOutcome and records each expectation's expected and observed
  values as JUnit properties of the test (``user_properties``, as ``record_property``). With
  ``--ntn-journal PATH`` each run is also merged into that one journal
  (ntnstack.runner.merge: transactional, safe from several xdist workers at once).
- ``ntn_terminal(name)``: the at_bridge driver of one terminal of the test's scenario (the
  ``ntn_scenario`` marker's, default: the embedded default scenario), virtual unless the
  testbed maps it to a port.
- ``ntn_bench``: the Bench behind ``ntn_terminal`` (clock, world, numbers of the peers;
  ``wait(seconds)`` lets emulated time pass).

Markers
- ``ntn_family(name)``: nbntn-nordic, tiantong, beidou-bds3, ... or a group (nbntn, tiantong,
  beidou); also adds the plain marker of the group, so ``-m tiantong`` selects. Skipped when
  the testbed has no module of it (with ``ntn_hardware``: no real one).
- ``ntn_orbit(kind)``: geo | leo; also adds the plain marker ``geo`` / ``leo``. Skipped when
  no module family of the testbed works over that orbit (Tiantong and BeiDou short messages
  are GEO systems, docs/reference.md 4).
- ``ntn_hardware``: needs real modules; skipped unless the testbed has hardware ports.
- ``ntn_scenario(*files)``: the scenario of ``ntn_bench`` / ``ntn_terminal``.

Before each run (``ntn_run``, ``ntn_bench``) every hardware port it uses must open: a bad
port fails the test at once, naming the terminal and the port.

Parallel runs (pytest-xdist): each worker writes into its own directories, and a test that
uses a hardware port holds that port's lock file, so no two workers drive one port at once.
With ``--ntn-labgrid TAG=VALUE`` each worker holds its own free place of that kind, and
``--ntn-journal PATH`` gathers every worker's runs (each with its place in its testbed name)
into one journal for ``ntnstack results diff``.
"""
from __future__ import annotations

import fcntl
import re
import tempfile
import warnings
from pathlib import Path

import pytest

GROUP_MARKERS = ("nbntn", "tiantong", "beidou", "geo", "leo")
ORBITS_OF_GROUP = {"nbntn": ("geo", "leo"), "tiantong": ("geo",), "beidou": ("geo",)}
"""Orbits each family group works over (docs/reference.md 4: Tiantong and BeiDou RDSS are
GEO systems; NB-IoT NTN runs over GEO and LEO, TR 36.763)."""
LOCK_DIR = Path(tempfile.gettempdir()) / "ntnstack-port-locks"


def pytest_addoption(parser) -> None:
    group = parser.getgroup("ntnstack", "ntnstack scenarios and terminals")
    group.addoption("--ntn-testbed", action="append", metavar="FILE", default=None,
                    help="testbed YAML (repeat to overlay); default: every terminal virtual")
    group.addoption("--ntn-labgrid", action="append", metavar="PLACE", default=None,
                    help="hold a labgrid place for the session (a name, or TAG=VALUE[,...]: "
                         "any free place with these tags); repeat for several places")
    group.addoption("--ntn-clock", metavar="MODE", default=None,
                    help="clock for ntn_run (virtual | scaled:N | realtime)")
    group.addoption("--ntn-journal", metavar="PATH", default=None,
                    help="merge the journal of every ntn_run into PATH (results.sqlite, or a "
                         "directory for it): one journal for all pytest-xdist workers")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "ntn_family(name): terminal family or group the test "
                            "needs (nbntn-nordic, tiantong, beidou-bds3, nbntn, beidou, ...)")
    config.addinivalue_line("markers", "ntn_orbit(kind): geo or leo")
    config.addinivalue_line("markers", "ntn_hardware: needs real modules (--ntn-testbed)")
    config.addinivalue_line("markers", "ntn_scenario(*files): the scenario of ntn_bench / "
                            "ntn_terminal (default: the embedded default scenario)")
    for name in GROUP_MARKERS:
        config.addinivalue_line("markers", f"{name}: ntnstack tests of {name}")
    _check_options(config)


def _check_options(config) -> None:
    """A bad --ntn-clock or --ntn-testbed is a usage error at start-up (exit 4), not a
    failure of each test that runs a scenario."""
    from ntnstack.errors import InputError
    from ntnstack.scenario.load import parse_clock

    clock = config.getoption("ntn_clock", None)
    try:
        if clock is not None:
            parse_clock(clock)
    except InputError as exc:
        raise pytest.UsageError(f"--ntn-clock: {exc}") from None
    try:
        if config.getoption("ntn_testbed", None):
            _session_testbed(config)
    except InputError as exc:
        raise pytest.UsageError(f"--ntn-testbed: {exc}") from None


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        for mark in item.iter_markers("ntn_family"):
            item.add_marker(str(mark.args[0]).split("-", 1)[0])
        for mark in item.iter_markers("ntn_orbit"):
            item.add_marker(str(mark.args[0]))


@pytest.fixture(scope="session")
def ntn_testbed(pytestconfig):
    """The testbed of this session (validated; bad files fail the session clearly)."""
    from ntnstack.scenario.labgrid_spec import spec_for

    testbed = _session_testbed(pytestconfig)
    spec = spec_for(testbed.labgrid, pytestconfig.getoption("ntn_labgrid"), None, None,
                    "--ntn-labgrid")
    if spec is None:
        yield testbed
        return
    from ntnstack.rigs.labgrid import hold
    from ntnstack.rigs.places import overlay

    with hold(spec) as held:
        yield overlay(testbed, held, None)


def pytest_runtest_setup(item) -> None:
    """Hardware tests are opt-in: skipped unless --ntn-testbed names a rig with real ports
    (or labgrid places) or --ntn-labgrid names places; tests whose family or orbit the
    testbed lacks are skipped, saying which (on labgrid places that is known only once the
    places are held, so nothing is skipped there)."""
    if item.config.getoption("ntn_labgrid"):
        return
    hardware = item.get_closest_marker("ntn_hardware") is not None
    files = item.config.getoption("ntn_testbed")
    if hardware and not files:
        pytest.skip("hardware test: give a rig with --ntn-testbed FILE")
    marks = [m.args[0] for m in item.iter_markers("ntn_family")]
    orbits = [m.args[0] for m in item.iter_markers("ntn_orbit")]
    if not (hardware or marks or orbits):
        return
    testbed = _session_testbed(item.config)
    if hardware and not (testbed.hardware or testbed.labgrid):
        pytest.skip(f"hardware test: testbed {', '.join(files)} has no hardware ports")
    if testbed.labgrid:
        return
    from ntnstack.scenario.model import family_group

    families = testbed_families(testbed, hardware)
    for wanted in marks:
        if not any(wanted in (f, family_group(f)) for f in families):
            pytest.skip(f"testbed {testbed.name} has no {'real ' if hardware else ''}"
                        f"{wanted} module (it has: {', '.join(sorted(families)) or 'none'})")
    reachable = {o for f in families for o in ORBITS_OF_GROUP.get(family_group(f), ())}
    for orbit in orbits:
        if orbit not in reachable:
            pytest.skip(f"testbed {testbed.name}: no module family of it works over {orbit} "
                        f"(families: {', '.join(sorted(families)) or 'none'})")


def testbed_families(testbed, hardware_only: bool) -> set[str]:
    """Families a test can get on ``testbed``: those of its real ports, and when virtual
    modules count (``hardware_only`` false) those of its virtual ports, or every family if
    unlisted terminals are virtual."""
    from at_bridge.families import FAMILIES

    if not hardware_only and testbed.default == "virtual":
        return set(FAMILIES)
    return {p.family for p in testbed.ports.values()
            if p.family and not (hardware_only and p.virtual)}


SESSION_TESTBED = pytest.StashKey["Testbed"]()
"""Where the session's testbed is kept on the pytest config (its stash)."""


def _session_testbed(config):
    """The --ntn-testbed testbed, loaded once per session (every terminal virtual without)."""
    if SESSION_TESTBED not in config.stash:
        from ntnstack.scenario import load_testbed
        from ntnstack.scenario.testbed import virtual_testbed

        files = config.getoption("ntn_testbed")
        config.stash[SESSION_TESTBED] = load_testbed(files) if files else virtual_testbed()
    return config.stash[SESSION_TESTBED]


@pytest.fixture
def ntn_run(request, ntn_testbed, tmp_path):
    """``ntn_run(*scenario_files, clock=None) -> RunOutcome`` into tmp_path/run-N."""
    from ntnstack.live.ran import ran_companions
    from ntnstack.runner.api import check_run_actions, prepare, run_scenario
    from ntnstack.runner.ports import PortsNotOpening
    from ntnstack.scenario import load_scenario
    from ntnstack.scenario.testbed import unused_ports

    count = [0]
    record_property = request.node.user_properties.append  # as record_property, no warning
    clock_option = request.config.getoption("ntn_clock")
    journal = request.config.getoption("ntn_journal")

    def run(*scenario_files, clock: str | None = None):
        option = clock or clock_option
        scenario = load_scenario(list(scenario_files) or [_default()], option)
        check_run_actions(scenario)
        scenario, ports = prepare(scenario, ntn_testbed, option)
        for warning in unused_ports(ntn_testbed, scenario):   # as `ntnstack run` warns
            warnings.warn(UserWarning(warning), stacklevel=2)
        count[0] += 1
        with _port_locks(ports.values()):   # the check too: another worker may hold a port
            try:                            # the runner checks the ports before the first step
                outcome = run_scenario(scenario, ntn_testbed, ports,
                                       tmp_path / f"run-{count[0]}", progress=False,
                                       companions=ran_companions(scenario, ntn_testbed))
            except PortsNotOpening as exc:
                pytest.fail(str(exc), pytrace=False)
        if journal:
            from ntnstack.runner.merge import merge

            merge(journal, [outcome.out_dir])
        for r in outcome.results:
            record_property((f"{r.terminal}.{r.label}.status", r.status))
            for c in r.checks:
                record_property((f"{r.terminal}.{r.label}.expected.{c.name}", c.expected))
                record_property((f"{r.terminal}.{r.label}.observed.{c.name}", c.observed))
        return outcome

    return run


@pytest.fixture
def ntn_bench(request, ntn_testbed, tmp_path):
    """A Bench of the scenario named by ``@pytest.mark.ntn_scenario(path)`` (default: the
    default scenario)."""
    from ntnstack.runner.api import prepare
    from ntnstack.runner.bench import Bench
    from ntnstack.scenario import load_scenario

    mark = request.node.get_closest_marker("ntn_scenario")
    scenario, ports = prepare(load_scenario(list(mark.args) if mark else [_default()]),
                              ntn_testbed)
    with _port_locks(ports.values()):
        _ports_open(ports)
        with Bench(scenario, ports, tmp_path / "bench") as bench:
            yield bench


@pytest.fixture
def ntn_terminal(ntn_bench):
    """``ntn_terminal(name) -> driver`` of a terminal of the bench's scenario."""
    return ntn_bench.terminal


def _ports_open(ports) -> None:
    """Fail the test at once, naming them, when hardware ports of the run do not open."""
    from ntnstack.runner.ports import PortsNotOpening, check_open

    try:
        check_open(ports)
    except PortsNotOpening as exc:
        pytest.fail(str(exc), pytrace=False)


def _default() -> Path:
    from ntnstack.scenario import default_scenario_path

    return default_scenario_path()


class _port_locks:  # noqa: N801 - used as a context manager like contextlib helpers
    """Hold an exclusive lock file per hardware port (virtual ports need none)."""

    def __init__(self, ports):
        self.urls = sorted({p.url for p in ports if not p.virtual})
        self.files = []

    def __enter__(self):
        LOCK_DIR.mkdir(parents=True, exist_ok=True)
        for url in self.urls:
            f = open(LOCK_DIR / re.sub(r"[^A-Za-z0-9_.-]", "_", url), "w")  # noqa: SIM115
            fcntl.flock(f, fcntl.LOCK_EX)
            self.files.append(f)
        return self

    def __exit__(self, *exc):
        for f in self.files:
            fcntl.flock(f, fcntl.LOCK_UN)
            f.close()
        self.files = []
