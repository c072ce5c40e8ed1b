"""Step handlers: one function per action of ntnstack.scenario.actions, written in the one
driver vocabulary of at_bridge (power_on, attach, send_data, dial, send_short_message, ...).

Each handler fills ``ctx.observed`` with what it saw, in emulated seconds (``*_after_s``:
from the step's command to the event), ``succeeded`` (the module accepted the command) and
``reason`` when something did not happen. Expectations are judged afterwards
(ntnstack.runner.expect); handlers never decide verdicts.
"""
from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from at_bridge.drivers.base import Feedback, ShortMessage, Sms
from at_bridge.urc import Unsolicited
from ntnstack.runner.context import REFUSED as _REFUSED
from ntnstack.runner.context import StepContext, TimingAdvanceReport
from ntnstack.scenario.model import family_group

REGISTERED = ("1", "5")  # +CEREG / +CREG stat: 1 home, 5 roaming (TS 27.007 10.1.22)
DEFAULT_TIMEOUT_S = {"power_on": 60.0, "attach": 600.0, "send_data": 120.0, "send_sms": 300.0,
                     "send_short_message": 120.0, "dial": 60.0, "answer": 60.0, "hang_up": 30.0,
                     "expect_coverage_loss": 3600.0, "wait_for_pass": 86400.0,
                     "set_location": 30.0, "detach": 60.0, "power_cycle": 120.0}
AFTER_SET_S = 600.0
"""How long after the set expect_coverage_loss keeps watching for the registration loss."""


def _payload(text: str) -> bytes:
    """Hex text (even length, 0-9a-f) is sent as those bytes, anything else as UTF-8."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text.encode("utf-8")


def _number(ctx: StepContext, peer: str, key: str) -> str:
    return ctx.modules.number(peer, key)


def power_on(ctx: StepContext) -> None:
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    if ctx.call(m.power_on) in (None, _REFUSED):
        return
    if family_group(ctx.terminal.family) == "beidou":
        card = ctx.call(m.card_info)
        if card not in (None, _REFUSED):
            ctx.observed["card"] = _fields(card)
        return
    ident = ctx.call(m.identity)
    if ident not in (None, _REFUSED):
        ctx.observed["identity"] = _fields(ident)


def set_location(ctx: StepContext) -> None:
    pos = ctx.step.params.get("position")
    if pos is None and ctx.terminal.trajectory:  # where the trajectory has it now
        g = ctx.world.ground_at(ctx.terminal.name, ctx.t())
        lat, lon, alt = g.lat_deg, g.lon_deg, g.alt_m
    else:
        pos = pos or ctx.terminal.position
        lat, lon, alt = pos.lat_deg, pos.lon_deg, pos.alt_m
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    ctx.call(m.set_location, lat, lon, alt)
    ctx.observed["position"] = [lat, lon, alt]


def attach(ctx: StepContext) -> None:
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["attach"])
    reg = ctx.call(m.registration)  # a Tiantong module registers by itself after boot
    if reg in (None, _REFUSED) or not reg.registered:
        reg = ctx.call(m.attach, timeout_s=ctx.remaining(deadline))
    if reg in (None, _REFUSED):
        return
    ctx.observed["registered_after_s"] = _arrived(ctx, ctx.terminal.name, "attach", t0) - t0
    ctx.observed["registration"] = _fields(reg)
    _ta_error(ctx, m)


def _ta_error(ctx: StepContext, m: Any) -> None:
    """|TA - true TA| at registration, in us, judged on what the terminal did: its own TA
    report against the true TA (the round trip UE-satellite plus the common TA of the cell's
    reference point, TS 38.213 4.2, from ntnstack.link), or, for a virtual NB-IoT NTN module,
    the arrival error of its NPRACH preamble at the emulated eNB (filled in from the module's
    stack procedure, ntnstack.runner.shadow.module_procedures). Without either it is not
    observable: the emulator's own broadcast checked against its own orbit says nothing
    about the terminal."""
    if not any(e.name == "ta_error_below_us" for e in ctx.step.expect):
        return
    if isinstance(m, TimingAdvanceReport):
        ta_us = ctx.call(m.timing_advance)
        if ta_us in (None, _REFUSED):   # not reported in time, or refused: reason noted
            return
        ls = ctx.world.series(ctx.terminal.name, [ctx.world.start + ctx.t()])
        truth_us = float(ls.ta_ue_s[0] + ls.ta_common_s[0]) * 1e6
        ctx.observed.update(ta_source="module", ta_us=ta_us, ta_true_us=truth_us,
                            ta_error_us=abs(ta_us - truth_us))
        return
    ctx.observed.setdefault("not_observable", {})["ta_error_below_us"] = (
        "the module reports no timing advance and no emulated eNB saw its uplink")


def detach(ctx: StepContext) -> None:
    ctx.call(ctx.modules.driver(ctx, ctx.terminal.name).detach)


def wait(ctx: StepContext) -> None:
    ctx.wait_until(None, ctx.t() + ctx.step.params["duration_s"])


def send_data(ctx: StepContext) -> None:
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    data = _payload(ctx.step.params["payload"])
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["send_data"])
    if ctx.call(m.send_data, data) is _REFUSED:
        return
    got = ctx.call(m.receive_data, timeout_s=ctx.remaining(deadline))
    if got is None:
        return
    if bytes(got) != data:
        ctx.observed["reason"] = f"received {bytes(got).hex()} instead of {data.hex()}"
        return
    ctx.observed["delivered_after_s"] = _arrived(ctx, ctx.terminal.name, "receive_data",
                                                 t0, data) - t0


def send_sms(ctx: StepContext) -> None:
    peer = ctx.step.params["to"]
    m, p = ctx.modules.driver(ctx, ctx.terminal.name), ctx.modules.driver(ctx, peer)
    text = ctx.step.params["text"]
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["send_sms"])
    if ctx.call(m.send_sms, _number(ctx, peer, "msisdn"), text) is _REFUSED:
        return
    sms = ctx.call(p.receive_sms, timeout_s=ctx.remaining(deadline),
                   on=peer)
    if sms is None:
        return
    if sms is _REFUSED or sms.text != text:
        ctx.observed["reason"] = f"{peer} received {_text_of(sms)!r}"
        return
    ctx.observed["delivered_after_s"] = _arrived(ctx, peer, "receive_sms", t0, text) - t0


def send_short_message(ctx: StepContext) -> None:
    peer = ctx.step.params["to"]
    m, p = ctx.modules.driver(ctx, ctx.terminal.name), ctx.modules.driver(ctx, peer)
    text = ctx.step.params["text"]
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["send_short_message"])
    fb = ctx.call(m.send_short_message, _number(ctx, peer, "card_id"), text, "mixed")
    if fb in (None, _REFUSED):   # no feedback in time (reason noted) or refused
        return
    ctx.observed["feedback"] = _fields(fb)
    if not fb.accepted:
        ctx.observed.update(succeeded=False, rate_limited=_is_rate_limit(fb),
                            reason=f"refused by the card (reason {fb.reason})")
        return
    ctx.observed["rate_limited"] = False
    msg = ctx.call(p.receive_short_message, timeout_s=ctx.remaining(deadline), on=peer)
    if msg is None:
        return
    if msg is _REFUSED or msg.text != text:
        ctx.observed["reason"] = f"{peer} received {_text_of(msg)!r}"
        return
    ctx.observed["delivered_after_s"] = _arrived(ctx, peer, "receive_short_message",
                                                 t0) - t0


def _is_rate_limit(fb: Feedback) -> bool:
    """$BDFKI refusal reason 1 = the card's service interval (BDS-3 protocol); 2.1 cards
    report the remaining wait instead."""
    return fb.reason in ("1", "rate", "frequency") or bool(fb.wait_s)


class PendingDial:
    """A Tiantong ``dial`` runs until the call connects, which needs the peer's ``answer``
    (a later step): it runs on its own thread and the answer step collects it."""

    def __init__(self, ctx: StepContext, driver: Any, number: str, timeout_s: float):
        self.ctx, self.result, self.error, self.ended_s = ctx, None, None, None
        self.started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(driver, number, timeout_s),
                                       name=f"dial-{ctx.terminal.name}", daemon=True)
        self.thread.start()
        self.started.wait()   # a party of the clock before the runner waits again

    def _run(self, driver: Any, number: str, timeout_s: float) -> None:
        with self.ctx.clock.party(f"dial {self.ctx.terminal.name}"):
            self.started.set()
            try:
                self.result = driver.dial(number, timeout_s=timeout_s)
            except Exception as exc:  # noqa: BLE001 - reported by the answer step
                self.error = exc
            with self.ctx.clock.cond:
                self.ended_s = self.ctx.clock.now()
            self.ctx.clock.notify()   # the answer step waits on done(): on a scaled or real
            #                           clock it slept until its limit (60 s) without this

    def done(self) -> bool:
        return self.ended_s is not None


def dial(ctx: StepContext) -> None:
    peer = ctx.step.params["to"]
    m, p = ctx.modules.driver(ctx, ctx.terminal.name), ctx.modules.driver(ctx, peer)
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["dial"])
    number = _number(ctx, peer, "msisdn")
    ctx.note("call", f"dial({number!r})")
    answer_deadline = deadline + DEFAULT_TIMEOUT_S["answer"]
    pending = PendingDial(ctx, m, number, ctx.remaining(answer_deadline))
    ctx.modules.calls.update({ctx.terminal.name: peer, peer: ctx.terminal.name})
    ctx.modules.dials[ctx.terminal.name] = pending
    # +CLIP comes with RING (TS 27.007 7.18); RING itself stays queued for the answer step.
    clip = ctx.call(p.urc, "clip", timeout_s=ctx.remaining(deadline),
                    on=peer, channel="voice")
    if clip is not None and clip is not _REFUSED:
        ctx.observed["ringing_after_s"] = ctx.t_of(clip) - t0
        ctx.observed["caller_id"] = clip.fields.get("number")
    elif pending.error is not None:
        ctx.observed.update(succeeded=False, reason=f"dial: {pending.error}")


def answer(ctx: StepContext) -> None:
    me = ctx.terminal.name
    m = ctx.modules.driver(ctx, me)
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["answer"])
    if ctx.call(m.answer, timeout_s=ctx.remaining(deadline)) in (
            None, _REFUSED):
        return
    pending = ctx.modules.dials.pop(ctx.modules.calls.get(me, ""), None)
    if pending is None:
        ctx.observed["connected_after_s"] = ctx.t() - t0
        return
    ctx.clock.wait_for(pending.done, ctx.remaining(deadline))
    if not pending.done() or pending.error is not None:
        ctx.observed["reason"] = f"the caller's dial did not connect: {pending.error or 'timeout'}"
        return
    ctx.observed["connected_after_s"] = max(pending.ended_s, ctx.t()) - t0


def hang_up(ctx: StepContext) -> None:
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    peer = ctx.modules.call_peer(ctx.terminal.name)
    t0, deadline = ctx.t(), ctx.deadline(DEFAULT_TIMEOUT_S["hang_up"])
    if ctx.call(m.hang_up) is _REFUSED or peer is None:
        return
    p = ctx.modules.driver(ctx, peer)
    end = ctx.call(p.urc, "no_carrier", timeout_s=ctx.remaining(deadline), on=peer,
                   channel="voice")
    if end is not None and end is not _REFUSED:
        ctx.observed["released_after_s"] = ctx.t_of(end) - t0


def expect_coverage_loss(ctx: StepContext) -> None:
    horizon = ctx.step.timeout_s or DEFAULT_TIMEOUT_S["expect_coverage_loss"]
    set_s = ctx.world.next_set_s(ctx.terminal.name, ctx.t(), horizon)
    if set_s is None:
        ctx.observed.update(succeeded=False, reason=f"the serving satellite is not in view, or "
                            f"does not set within {horizon:g} s")
        return
    ctx.observed["set_s"] = set_s
    ctx.note("link", f"satellite sets at {set_s:.1f} s")
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    lost = ctx.wait_until(lambda u: _registration_stat(u) not in (None, *REGISTERED),
                          set_s + AFTER_SET_S, driver=m)
    if lost is not None:
        ctx.observed["lost_after_s"] = lost - set_s


def wait_for_pass(ctx: StepContext) -> None:
    horizon = ctx.step.timeout_s or DEFAULT_TIMEOUT_S["wait_for_pass"]
    rise_s = ctx.world.next_rise_s(ctx.terminal.name, ctx.t(), horizon)
    if rise_s is None:
        ctx.observed.update(succeeded=False, reason=f"no pass within {horizon:g} s")
        return
    ctx.observed["rise_s"] = rise_s
    ctx.note("link", f"satellite rises at {rise_s:.1f} s")
    limit = next((e.expected for e in ctx.step.expect if e.name == "registered_within_s"), None)
    if limit is None:
        ctx.wait_until(None, rise_s)
        return
    m = ctx.modules.driver(ctx, ctx.terminal.name)
    got = ctx.wait_until(lambda u: _registration_stat(u) in REGISTERED, rise_s + 2 * limit,
                         driver=m)
    if got is not None:
        ctx.observed["registered_after_s"] = got - rise_s


def power_cycle(ctx: StepContext) -> None:
    """Off for ``off_s`` (default 2 s), on, then until the module answers power_on again."""
    from ntnstack.runner.power import RECOVERY_OFF_S, power_cycle as cycle

    limit_s = ctx.step.timeout_s or DEFAULT_TIMEOUT_S["power_cycle"]
    back = cycle(ctx, ctx.modules, ctx.terminal.name,
                 ctx.step.params.get("off_s", RECOVERY_OFF_S), limit_s)
    if back is None:
        ctx.observed.update(succeeded=False, reason=f"the module did not answer power_on "
                            f"within {limit_s:g} s after the power returned")
        return
    ctx.observed["back_after_s"] = back


def _arrived(ctx: StepContext, terminal: str, procedure: str, since_s: float,
             payload: bytes | str | None = None) -> float:
    """When the event a driver call returned for reached the bridge (emulated s): the
    receive stamp in the raw log of this step's URC (carrying ``payload``, the step's data
    or SMS text, when the URC carries one) when found, else now (after the call returned)."""
    t = ctx.modules.arrival_s(terminal, procedure, since_s, payload)
    return ctx.t() if t is None else t


def _registration_stat(urc: Unsolicited) -> str | None:
    return urc.fields.get("stat")


def _text_of(message: Sms | ShortMessage | object) -> object:
    """A received message's text; REFUSED as itself."""
    return message.text if isinstance(message, (Sms, ShortMessage)) else message


def _fields(value: Any) -> Any:
    """A driver result (a dataclass of at_bridge.drivers.base) as its fields that are set."""
    if dataclasses.is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)
                if getattr(value, f.name) is not None}
    return value if isinstance(value, (int, float, str, list, dict)) else str(value)


HANDLERS: dict[str, Callable[[StepContext], None]] = {
    "power_on": power_on, "set_location": set_location, "attach": attach, "detach": detach,
    "wait": wait, "send_data": send_data, "send_sms": send_sms,
    "send_short_message": send_short_message, "dial": dial, "answer": answer,
    "hang_up": hang_up, "expect_coverage_loss": expect_coverage_loss,
    "wait_for_pass": wait_for_pass, "power_cycle": power_cycle,
}
"""The handlers of the driver vocabulary (ntnstack.runner.handlers adds the probes)."""
