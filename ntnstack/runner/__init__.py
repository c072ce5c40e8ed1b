"""ntnstack.runner - the run: a scenario's steps against its terminals, verdicts, outputs.

- ``api``: ``load_inputs`` (scenario + testbed -> ports) and ``run_scenario``.
- ``engine``: the step loop; the journal is written per step; junit.xml / report.html /
  capture.pcap are written from the journal at the end.
- ``context``: StepContext and the RunModules interface, the contract between the step loop,
  the handlers and the modules (each imports it, none imports another for it). "Modules"
  are the terminals' modules of a run (drivers, ports, virtual modules); a "session" is only
  ever a UE's protocol session (ntnstack.stack).
- ``modules`` / ``virtual``: at_bridge drivers on virtual modules (one module host, the
  run's one ntnstack.clock.Clock, docs/time.md) or on testbed ports. ``steps``: one handler
  per action of the driver vocabulary, ``probes`` the certification ones, ``handlers``
  both by action name. ``expect``: verdicts. ``world``: the emulated sky per terminal
  (ntnstack.orbit + ntnstack.link).
- ``journal`` (results.sqlite), ``junit``, ``report`` + ``svg`` + ``msc`` (sequence charts),
  ``sibs`` (capture.pcap), ``outputs`` (one run's evidence per folder), ``diff``
  (``ntnstack results diff``), ``console`` (step progress, summary), ``bench`` (terminals for
  direct driving: the pytest plugin's ``ntn_terminal``), ``ports`` (hardware ports open
  before a run).
"""
