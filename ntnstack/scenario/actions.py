"""The table of step actions: what parameters each takes, which expectations it can carry and
which terminal families can do it. Data, not code: a new action is a new row here plus its
handler in ntnstack.runner.steps."""
from __future__ import annotations

from dataclasses import dataclass

from ntnstack.limits import MAX_SCENARIO_SPAN_S

ALL = ("nbntn", "tiantong", "beidou")


@dataclass(frozen=True)
class Param:
    kind: str  # "text" | "number" | "terminal" | "position" | "flag"
    unit: str = ""
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class ExpectKind:
    kind: str  # "seconds" (a limit, s) | "microseconds" (a limit, us) | "flag"
    meaning: str


@dataclass(frozen=True)
class Action:
    params: dict[str, Param]
    expects: dict[str, ExpectKind]
    groups: tuple[str, ...] = ALL
    doc: str = ""
    certification_only: bool = False
    """Only a certification profile's virtual network can do it: `ntnstack run` refuses the
    step at load (ntnstack.runner.api.check_run_actions)."""


SUCCEEDS = ExpectKind("flag", "the step's command succeeds (false: it must be refused)")
_TEXT = Param("text", required=True)
_PEER = Param("terminal", required=True)
_DURATION = Param("number", "seconds", required=True, minimum=0.0,
                  maximum=MAX_SCENARIO_SPAN_S)

ACTIONS: dict[str, Action] = {
    "power_on": Action({}, {}, doc="switch the module on and wait for it to answer"),
    "set_location": Action({"position": Param("position")}, {},
                           doc="give the module its GNSS position (default: the terminal's)"),
    "attach": Action({}, {"registered_within_s": ExpectKind("seconds", "registration URC after "
                                                            "the attach command"),
                          "ta_error_below_us": ExpectKind(
                              "microseconds", "|TA - true TA| at registration (the module's "
                              "own report, or the arrival error of its preamble at the "
                              "emulated eNB; otherwise not observable)")},
                     groups=("nbntn", "tiantong"), doc="register with the network"),
    "detach": Action({}, {}, groups=("nbntn", "tiantong"), doc="deregister from the network"),
    "wait": Action({"duration_s": _DURATION}, {}, doc="let emulated time pass"),
    "send_data": Action({"payload": _TEXT},
                        {"delivered_within_s": ExpectKind("seconds", "echo received back")},
                        groups=("nbntn", "tiantong"),
                        doc="send data (NB-IoT: non-IP; Tiantong: UDP on the data channel);"
                            " the network echoes it"),
    "send_sms": Action({"to": _PEER, "text": _TEXT},
                       {"delivered_within_s": ExpectKind("seconds", "SMS received at the peer")},
                       groups=("nbntn", "tiantong"), doc="send an SMS to another terminal"),
    "send_short_message": Action(
        {"to": _PEER, "text": _TEXT},
        {"delivered_within_s": ExpectKind("seconds", "message received at the peer"),
         "rate_limited": ExpectKind("flag", "refused by the card's service interval")},
        groups=("beidou",), doc="send a BeiDou short message to another card"),
    "dial": Action({"to": _PEER}, {"ringing_within_s": ExpectKind("seconds", "RING at the peer")},
                   groups=("tiantong",), doc="call another terminal"),
    "answer": Action({}, {"connected_within_s": ExpectKind("seconds", "call active at both ends")},
                     groups=("tiantong",), doc="answer the incoming call"),
    "hang_up": Action({}, {"released_within_s": ExpectKind("seconds", "NO CARRIER at the peer")},
                      groups=("tiantong",), doc="end the call"),
    "expect_coverage_loss": Action(
        {},
        {"lost_within_s": ExpectKind("seconds", "registration lost after the satellite sets")},
        groups=("nbntn",), doc="wait for the serving satellite to set"),
    "wait_for_pass": Action(
        {},
        {"registered_within_s": ExpectKind("seconds", "registration regained after the rise")},
        groups=("nbntn",), doc="wait for the next pass of the serving satellite"),
    "power_cycle": Action(
        {"off_s": Param("number", "seconds", minimum=0.0, maximum=3600.0)},
        {"back_within_s": ExpectKind("seconds", "the module answers power_on again after "
                                                "the power returns")},
        doc="switch the module's power off for off_s (default 2 s) and on again through "
            "its switch (testbed port power: COMMAND, or the labgrid place's "
            "NetworkPowerPort), then wait until it answers"),
    # Probes for certification profiles (handlers: ntnstack.runner.probes)
    "at": Action({"command": _TEXT}, {}, groups=("nbntn", "tiantong"),
                 doc="send one AT command line; its lines and final result are observed"),
    "read_identity": Action({}, {}, groups=("nbntn", "tiantong"),
                            doc="read IMEI (+CGSN), IMSI (+CIMI), ICCID and MSISDN (+CNUM)"),
    "read_registration": Action({}, {}, groups=("nbntn", "tiantong"),
                                doc="read +CEREG / +CREG: stat and AcT"),
    "reboot": Action({}, {}, groups=("nbntn", "tiantong"),
                     doc="reboot the module (the dialect's reset) and power it on again"),
    "bar_service": Action({}, {}, groups=("nbntn", "tiantong"),
                          doc="network side: suspend the subscription (certification "
                              "profiles only: `ntnstack run` refuses it)",
                          certification_only=True),
    "restore_service": Action({}, {}, groups=("nbntn", "tiantong"),
                              doc="network side: lift the suspension (certification profiles "
                                  "only: `ntnstack run` refuses it)",
                              certification_only=True),
    "drop_terrestrial": Action({}, {}, groups=("tiantong",),
                               doc="network side: the terrestrial cell over the terminal goes; "
                                   "watch it register on the satellite (certification "
                                   "profiles only: `ntnstack run` refuses it)",
                               certification_only=True),
    "restore_terrestrial": Action({}, {}, groups=("tiantong",),
                                  doc="network side: a terrestrial cell covers the terminal "
                                      "(certification profiles only: `ntnstack run` "
                                      "refuses it)",
                                  certification_only=True),
}

STEP_KEYS = ("terminal", "do", "at_s", "timeout_s", "expect")
