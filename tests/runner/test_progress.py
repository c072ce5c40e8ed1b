"""The one progress bar (ntnstack.progress.ProgressBar) as the runner's step progress uses
it: redrawn in place on a terminal, plain lines elsewhere, silent when disabled."""
from __future__ import annotations

import io

from ntnstack.progress import WIDTH, ProgressBar
from ntnstack.runner.console import StepProgress
from ntnstack.runner.records import StepResult


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _result(index: int, status: str) -> StepResult:
    return StepResult(index, "ue", "wait", "nbntn-generic", 0.0, 10.0 * (index + 1), 0.0,
                      status=status)


def test_on_a_terminal_each_step_redraws_one_line():
    screen = Terminal()
    steps = StepProgress(4, stream=screen)
    steps.begin("ue wait")
    steps.end(_result(0, "passed"))
    steps.end(_result(1, "failed"))
    steps.close()
    frames = screen.getvalue().rstrip("\n").split("\r")[1:]
    assert len(frames) == 4 and "\n" not in "".join(frames)      # begin, 2 ends, close
    assert frames[2].startswith(f"[{'#' * (WIDTH // 2)}{'-' * (WIDTH - WIDTH // 2)}] 2/4 1 failed")
    assert screen.getvalue().endswith("\n")


def test_elsewhere_each_step_is_a_plain_line():
    log = io.StringIO()
    steps = StepProgress(2, stream=log)
    steps.begin("ue wait")
    steps.end(_result(0, "passed"))
    steps.close()
    assert log.getvalue() == "[1/2] ue 00-wait passed (t=10.0 s)\n"


def test_a_disabled_bar_writes_nothing():
    screen = Terminal()
    bar = ProgressBar(10, label="channel", enabled=False, stream=screen)
    bar.update(5, "50%", force=True)
    bar.close()
    steps = StepProgress(1, stream=screen, enabled=False)
    steps.end(_result(0, "passed"))
    steps.close()
    assert screen.getvalue() == ""


def test_the_bar_counts_with_thousands_separators_and_its_label():
    screen = Terminal()
    bar = ProgressBar(2_000_000, label="channel", stream=screen)
    bar.update(1_000_000, "50.0%", force=True)
    assert screen.getvalue().startswith(f"\rchannel [{'#' * (WIDTH // 2)}")
    assert "1,000,000/2,000,000 50.0%" in screen.getvalue()
