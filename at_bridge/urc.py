"""Unsolicited result codes: what a queued URC holds, the patterns that recognise one, and
the always-live queue (shared by the AT and the sentence engines).

A pattern anchored with ``^`` and case-sensitive starts with literal text (``+CEREG: ``); a line
that does not start with that text cannot match, so the engine skips the regex for it.
"""
from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from at_bridge.errors import PortGone, Timeout
from at_bridge.timebase import REALTIME, TimeBase

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unsolicited:
    """A queued URC: dialect name (or ``banner`` / ``unknown`` / ``stray``), the line, the
    regex's named groups, continuation lines (e.g. the PDU after ``+CMT``), its arrival time
    on the engine's time base (s) and its place in the arrival order (``seq``, set by the
    queue)."""

    name: str
    line: str
    fields: dict[str, str]
    extra: tuple[str, ...] = ()
    t_s: float = 0.0
    seq: int = 0


@dataclass
class UrcPattern:
    """A URC recogniser: ``lines`` > 1 when continuation lines belong to it. ``prefix`` is the
    literal text every match starts with (derived from a ``^``-anchored pattern), used to skip
    the regex for lines that cannot match."""

    name: str
    pattern: re.Pattern
    lines: int = 1
    prefix: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.prefix = _literal_prefix(self.pattern)


_REGEX_META = set(".^$*+?{}[]()|\\")


def _literal_prefix(pattern: re.Pattern) -> str:
    """The literal start of a ``^``-anchored, case-sensitive pattern ('' when unknown):
    ``^\\+CEREG: (?P<stat>...`` -> ``+CEREG: ``. A literal followed by a quantifier is left out."""
    text = pattern.pattern
    if pattern.flags & re.IGNORECASE or not text.startswith("^") or _top_level_or(text):
        return ""
    out, i = [], 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and not text[i + 1].isalnum():
            ch, step = text[i + 1], 2
        elif ch in _REGEX_META:
            break
        else:
            step = 1
        if i + step < len(text) and text[i + step] in "*+?{":
            break
        out.append(ch)
        i += step
    return "".join(out)


def _top_level_or(text: str) -> bool:
    """True when ``text`` has a ``|`` outside every group and character class."""
    depth, in_class, i = 0, False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return True
        i += 1
    return False


class UrcQueue:
    """Thread-safe queue of :class:`Unsolicited`; ``get`` can pick by name and fields.

    Bounded at ``maxlen`` items: past it the oldest is dropped, counted in ``dropped`` and
    logged (an unread queue must not grow without bound on a long soak).

    While the port is gone (:meth:`port_gone` until :meth:`port_back`), a ``get`` that finds
    nothing queued raises PortGone at once, and every ``get`` waiting when the port went
    raises it too, even after the port returns: a waiter from before a restart never takes
    the restarted module's URC.
    """

    def __init__(self, maxlen: int = 10000, timebase: TimeBase = REALTIME):
        self._items: deque[Unsolicited] = deque()
        self.timebase = timebase
        self._cond = timebase.cond
        self.maxlen = maxlen
        self.dropped = 0
        self.count = 0
        """URCs queued so far (the ``seq`` of the next one)."""
        self._gone: str | None = None   # why the port is gone; None while it is there
        self._losses: list[int] = []    # ``count`` at each loss of the port

    def port_gone(self, reason: str) -> None:
        """The port vanished: fail every waiter (and new ones) with PortGone(``reason``)."""
        with self._cond:
            self._gone = reason
            self._losses.append(self.count)
        self.timebase.notify()

    def port_back(self) -> None:
        """The port is open again: new waits wait normally."""
        with self._cond:
            self._gone = None

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)

    def put(self, item: Unsolicited) -> None:
        """Queue ``item`` (numbered, dropping the oldest when full) and wake every waiter."""
        with self._cond:
            if len(self._items) >= self.maxlen:
                oldest = self._items.popleft()
                self.dropped += 1
                if self.dropped in (1, 10) or self.dropped % 1000 == 0:  # no log storm
                    log.warning("URC queue full (%d): %d dropped so far, oldest now %r",
                                self.maxlen, self.dropped, oldest)
            self._items.append(replace(item, seq=self.count))
            self.count += 1
        self.timebase.notify()

    def get(self, names: str | Iterable[str] | None = None, timeout_s: float = 0.0,
            match: Callable[[Unsolicited], bool] | None = None) -> Unsolicited:
        """Remove and return the oldest URC whose name is in ``names`` (all when None) and
        for which ``match`` holds; others stay queued. Timeout after ``timeout_s`` seconds
        of the time base; PortGone when the port is or goes away first (see the class)."""
        wanted = {names} if isinstance(names, str) else (set(names) if names else None)

        def find() -> Unsolicited | None:
            for item in self._items:
                if (wanted is None or item.name in wanted) and (match is None or match(item)):
                    return item
            return None

        with self._cond:
            losses = len(self._losses)

            def ready() -> bool:
                return (find() is not None or self._gone is not None
                        or len(self._losses) != losses)

            if not self.timebase.wait_for(ready, timeout_s):
                raise Timeout(f"no URC {sorted(wanted) if wanted else 'at all'} within "
                              f"{timeout_s:g} s ({len(self._items)} others queued)")
            item = find()
            if item is not None and len(self._losses) != losses and \
                    item.seq >= self._losses[losses]:
                item = None   # queued after the loss: the restarted module's, not this wait's
            if item is None:
                raise PortGone(f"{self._gone or 'the port went away and came back'}; no URC "
                               f"{sorted(wanted) if wanted else 'at all'} from before that")
            self._items.remove(item)
            return item

    def drain(self) -> list[Unsolicited]:
        """Remove and return everything queued, oldest first."""
        with self._cond:
            items = list(self._items)
            self._items.clear()
            return items
