"""ntnstack: emulated satellites (3GPP NTN, Tiantong, BeiDou) for testing terminal modules.

Subcommands are discovered in ntnstack.commands. Global options (before or after the
command): -v / -vv more log output (INFO / DEBUG), -q less (errors only, no progress bar);
--version.

Exit status: 0 success, 1 a failed expectation (commands that judge), 2 bad input (one line
on stderr naming the argument), 130 interrupted.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys

import ntnstack
import ntnstack.commands
from ntnstack.errors import InputError
from ntnstack.link.options import accept_negative_positions

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit status 2; every (sub)command takes -v / -q; a
    value such as ``-33.9,18.4,0`` (a position south or west) is taken as a value, not as an
    option."""

    def __init__(self, *args, top: bool = False, **kw):
        super().__init__(*args, **kw)
        accept_negative_positions(self)
        default = 0 if top else argparse.SUPPRESS   # a subcommand keeps the top level's count
        self.add_argument("-v", "--verbose", action="count", default=default,
                          help="more log output (-v INFO, -vv DEBUG), at_bridge included")
        self.add_argument("-q", "--quiet", action="count", default=default,
                          help="log errors only, and no progress bar (results still print)")

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def command_names() -> list[str]:
    """The modules of ntnstack.commands, one per subcommand of the same name."""
    return sorted(info.name for info in pkgutil.iter_modules(ntnstack.commands.__path__)
                  if not info.name.startswith("_"))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line parser: every subcommand, or ``only`` that one (registering all of
    them costs about 6 ms, the time of a short command)."""
    parser = _Parser(prog="ntnstack", description=__doc__.splitlines()[0], top=True)
    parser.add_argument("--version", action="version", version=f"ntnstack {ntnstack.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in [only] if only else command_names():
        importlib.import_module(f"ntnstack.commands.{name}").register(sub)
    return parser


def _named_command(argv: list[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is not an option (the top level's
    options take no value), if it is a command; None otherwise (help, a typo)."""
    word = next((a for a in argv if not a.startswith("-")), None)
    return word if word in command_names() else None


def configure_logging(verbose: int, quiet: int) -> None:
    """The one logging set-up of a command line run: stderr, WARNING by default, each -v one
    level more (INFO, DEBUG), -q errors only. It covers every logger, at_bridge's too."""
    level = logging.ERROR if quiet else max(logging.DEBUG, logging.WARNING - 10 * verbose)
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr, force=True)


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit status. Only InputError is bad input (exit 2, one line):
    any other exception is a bug and keeps its traceback."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(_named_command(argv)).parse_args(argv)
    configure_logging(args.verbose, args.quiet)
    try:
        _check_environment()
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"ntnstack {args.command}: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ntnstack {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _check_environment() -> None:
    """The environment variables the C core's callers read, checked before any command
    runs (a bad value would otherwise stop a run midway): NTNPHY_THREADS, the threads of a
    link grid (phy_ffi.parallel), a positive integer when set."""
    text = os.environ.get("NTNPHY_THREADS", "").strip()
    if text and not (text.isdecimal() and int(text) > 0):
        raise InputError(f"NTNPHY_THREADS={text!r}: expected a positive integer (threads of "
                         f"a link grid), or unset for every CPU")


def _one_line(text: str) -> str:
    """``text`` with every unprintable character (a newline, or a control character of a file
    name the message quotes) escaped: the error stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


if __name__ == "__main__":
    sys.exit(main())
