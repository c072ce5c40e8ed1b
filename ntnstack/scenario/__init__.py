"""ntnstack.scenario - YAML scenarios and testbeds validated into typed objects.

``load_scenario(paths)`` and ``load_testbed(paths)`` overlay several files (the last wins:
mappings merge key by key, lists and scalars are replaced) and raise ConfigError (an
InputError) naming file, line, key and what was expected.

A scenario (see ntnstack/configs/scenarios/default.yaml)::

    name, description
    clock: virtual | scaled:N | realtime
    start: ISO 8601 UTC (2026-03-01T00:00:00Z); min_elevation_deg (default 10, TR 38.821)
    satellites: {NAME: {orbit: SPEC, gateway}}  # geo:LON, circular:, tle:PATH, preset:NAME;
                                            # gateway: terminals on no cell go through it
    gateways:   {NAME: {position: [lat_deg, lon_deg, alt_m]}}
    cells:      {NAME: {satellite, gateway, payload: transparent|regenerative,
                        sib: sib31-nb|sib31|sib19|none, validity_s (ul-SyncValidityDuration),
                        k_offset: auto|MS, sib_period_s, carrier_dl_hz, carrier_ul_hz}}
    terminals:  {NAME: {family, position | trajectory: [{t_s, position}], cell (NB-IoT NTN) |
                        satellite (Tiantong, BeiDou), identity: {msisdn, card_id, imei, ...},
                        port (overrides the testbed)}}
    steps: [{terminal, do: ACTION, at_s, timeout_s, expect: {NAME: LIMIT}, ...params}]

Actions, their parameters and expectations: ntnstack.scenario.actions.ACTIONS. A testbed::

    name; default: virtual | none; hardware: bool
    ports: {TERMINAL: {url: virtual | /dev/... | rfc2217://host:port | socket://...,
                       family, baudrate}}
    ran: {NAME: {kind: amarisoft | srsran | oai, url, cells: {CELL: ID}, options}}
                                            # base stations fed during a run (docs/live.md)
"""
from at_bridge.families import FAMILIES
from ntnstack.scenario.load import default_scenario_path, load_scenario
from ntnstack.scenario.model import (
    Cell, ClockSpec, Expectation, Gateway, Geodetic, Port, Satellite, Scenario, Step,
    Terminal, Testbed,
)
from ntnstack.scenario.source import ConfigError
from ntnstack.scenario.testbed import check_against, default_testbed_path, load_testbed

__all__ = ["FAMILIES", "Cell", "ClockSpec", "ConfigError", "Expectation", "Gateway", "Geodetic",
           "Port", "Satellite", "Scenario", "Step", "Terminal", "Testbed", "check_against",
           "default_scenario_path", "default_testbed_path", "load_scenario", "load_testbed"]
