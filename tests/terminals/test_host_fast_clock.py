"""The module host on a fast scaled clock: timers that fall due faster than they run must not
starve the host's queued calls (a module being added, the runner's calls): a pass runs
timers for at most TIMER_SLICE_REAL_S of wall time, then the calls and the ptys. And on the
virtual clock, a host thread that starts late is waited for."""
from __future__ import annotations

import time

from ntnstack.clock import make_clock
from ntnstack.terminals.host import TIMER_SLICE_REAL_S, ModuleHost

SCALE = 1000.0
"""scaled:1000: 1 ms of wall time is 1 s emulated."""
PERIOD_S = 0.0
"""The busy timer puts itself back at once: due again as soon as it has run."""
BODY_REAL_S = 0.0005
"""Wall time of one run of the busy timer (at least: a sleep)."""
TIMERS_BEFORE_THE_CALL = 2 * (int(TIMER_SLICE_REAL_S / BODY_REAL_S) + 1)
"""Busy-timer runs at most between queuing a call and its run: what fits in the current
pass's slice and in the next one's. The old loop never got to the call (the default
scenario's modules on scaled:1000: the module host did not add a module within 10 s)."""


def test_calls_run_while_timers_fall_due_faster_than_they_run():
    host = ModuleHost(make_clock(SCALE))
    ran = {"timer": 0}

    def busy() -> None:
        ran["timer"] += 1
        time.sleep(BODY_REAL_S)       # each run takes 0.5 emulated s: always behind
        host.call_later(PERIOD_S, busy)

    host.call_soon_threadsafe(lambda: host.call_later(0.0, busy))
    host.start()
    try:
        while ran["timer"] < 20:      # the busy timer is running, behind its period
            time.sleep(0.005)
        before = ran["timer"]
        assert host.call_and_wait(lambda: ran["timer"], limit_real_s=5.0) - before \
            <= TIMERS_BEFORE_THE_CALL
    finally:
        host.close()


def test_a_virtual_clock_waits_for_a_host_thread_that_starts_late(monkeypatch, virtual_rig):
    """On the virtual clock the host thread must be a party before the test waits: a thread
    scheduled late (a busy machine, a garbage collection) would otherwise leave only the
    waiting test, and the clock would jump past the module's boot to the wait's limit."""
    late_s = 0.2            # real seconds before the host thread reaches its loop
    serve = ModuleHost.serve_forever

    def late_serve(self) -> None:
        time.sleep(late_s)
        serve(self)
    monkeypatch.setattr(ModuleHost, "serve_forever", late_serve)
    m = virtual_rig.module("nbntn-nordic")
    virtual_rig.start()
    virtual_rig.ready(m)
    assert virtual_rig.host.now() == m.spec.boot_s      # booted at its boot time, no later
