"""The module host on a fast scaled clock: timers that fall due faster than they run must not
starve the host's queued calls (a module being added, the runner's calls): each pass runs the
timers due at its own instant, then the calls and the ptys."""
from __future__ import annotations

import time

from ntnstack.clock import make_clock
from ntnstack.terminals.host import ModuleHost

SCALE = 1000.0
"""scaled:1000: 1 ms of wall time is 1 s emulated."""
PERIOD_S = 0.0
"""The busy timer puts itself back at once: due again as soon as it has run."""
TIMERS_BEFORE_THE_CALL = 3
"""Busy-timer runs allowed between queuing a call and its run: the rest of the current pass
(one run: the timer due at the pass's instant) and the next pass's one, with a spare. The
old loop re-read the time after each timer and never got to the call (the default
scenario's modules on scaled:1000: the module host did not add a module within 10 s)."""


def test_calls_run_while_timers_fall_due_faster_than_they_run():
    host = ModuleHost(make_clock(SCALE))
    ran = {"timer": 0}

    def busy() -> None:
        ran["timer"] += 1
        time.sleep(0.0005)            # each run takes 0.5 emulated s: always behind
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
