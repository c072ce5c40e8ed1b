"""Subcommands of the ``ntnstack`` CLI: each module here defines ``register(subparsers)``,
which adds its parser and sets ``func=run(args) -> int`` as the default. Modules keep heavy
imports inside ``run`` so that ``ntnstack --help`` stays fast."""
