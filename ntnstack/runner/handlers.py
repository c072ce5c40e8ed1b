"""Every action's step handler, by action name: the driver vocabulary
(ntnstack.runner.steps) and the certification probes (ntnstack.runner.probes).

Built once from the two tables; nothing changes it at import time.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from ntnstack.runner import probes, steps
from ntnstack.runner.context import StepContext

HANDLERS: Mapping[str, Callable[[StepContext], None]] = MappingProxyType(
    {**steps.HANDLERS, **probes.PROBES})
"""Action name (ntnstack.scenario.actions) -> its handler; read-only."""
