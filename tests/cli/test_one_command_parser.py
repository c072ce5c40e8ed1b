"""``main`` builds the parser of the one command it runs (building all of them costs about
6 ms): the command's help is the same either way, and help or a typo still see them all."""
import contextlib
import io

import pytest

from ntnstack.cli import _named_command, build_parser, command_names, main


def _help(parse) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        parse()
    assert stop.value.code == 0
    return out.getvalue()


@pytest.mark.parametrize("name", command_names())
def test_a_command_alone_has_the_help_it_has_among_all(name):
    alone = build_parser(name)
    assert f"{{{name}}}" in alone.format_usage()         # that command, no other
    assert _help(lambda: main([name, "--help"])) == \
        _help(lambda: build_parser().parse_args([name, "--help"]))


@pytest.mark.parametrize(("argv", "named"), [
    (["-v", "channel", "--in", "x.cf32"], "channel"),
    (["-q", "-v", "passes"], "passes"),
    (["--help"], None),
    (["chanel", "--in", "x"], None),       # a typo: every command, for argparse's message
    ([], None),
])
def test_the_named_command_is_the_first_word_not_an_option(argv, named):
    assert _named_command(argv) == named


def test_a_typo_is_answered_with_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["chanel"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'chanel'" in err and all(n in err for n in command_names())
