"""Exceptions of the control plane. Bad input -> InputError (exit status 2 on the CLI)."""


class NtnstackError(Exception):
    """Base of ntnstack's own errors."""


class InputError(NtnstackError, ValueError):
    """Bad user input (argument, file, spec); the message names what and where."""
