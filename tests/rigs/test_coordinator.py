"""A coordinator session in a process that ran other asyncio code first (the pytest plugin,
the CLI called in-process): each session has its own event loop, so grpc and labgrid agree on
it and an absent coordinator is one clear error, without labgrid's traceback."""
from __future__ import annotations

import asyncio
import logging

import pytest

from ntnstack.errors import InputError
from ntnstack.rigs.labgrid import Coordinator
from tests.bridge.test_rfc2217 import free_port


def test_sessions_after_other_event_loops_fail_cleanly(caplog):
    pytest.importorskip("labgrid", reason="the labgrid extra (build.py setup installs it)")
    address = f"127.0.0.1:{free_port()}"      # nobody listens there
    caplog.set_level(logging.DEBUG)
    for _ in range(3):
        foreign = asyncio.new_event_loop()     # as other asyncio code of the process leaves it
        asyncio.set_event_loop(foreign)
        with pytest.raises(InputError, match=rf"^labgrid coordinator {address}: Could not "
                                             r"connect to coordinator$"):
            Coordinator(address)
        foreign.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
