"""The one clock: virtual, scaled:N and realtime modes (fake monotonic time, no real sleeps)."""
import pytest

from ntnstack.clock import Clock, format_iso8601, parse_clock, parse_iso8601
from ntnstack.errors import InputError
from tests.tolerances import ONE_MICROSECOND

START = 1767225600.0  # 2026-01-01T00:00:00Z


class FakeTime:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def make(text):
    fake = FakeTime()
    return parse_clock(text, START, monotonic=fake.monotonic, sleep=fake.sleep), fake


def test_virtual_time_moves_only_when_told():
    clock, fake = make("virtual")
    assert clock.now_unix_s() == START
    fake.now += 500.0  # wall time passing does not move virtual time
    assert clock.now_unix_s() == START
    assert clock.advance(120.0) == START + 120.0
    assert clock.sleep_until(START + 60.0) == START + 120.0  # never goes back
    assert clock.sleep_until(START + 3600.0) == START + 3600.0
    assert fake.slept == []


def test_scaled_time_runs_n_times_faster_and_sleeps_less():
    clock, fake = make("scaled:10")
    fake.now += 2.0
    assert clock.now_unix_s() == pytest.approx(START + 20.0, abs=ONE_MICROSECOND)
    clock.advance(60.0)  # 60 s of emulated time = 6 s of wall time
    assert fake.slept == [pytest.approx(6.0, abs=ONE_MICROSECOND)]
    assert clock.now_unix_s() == pytest.approx(START + 80.0, abs=ONE_MICROSECOND)
    assert str(clock) == "scaled:10"


def test_realtime_follows_the_monotonic_clock():
    clock, fake = make("realtime")
    fake.now += 1.5
    assert clock.now_unix_s() == pytest.approx(START + 1.5, abs=ONE_MICROSECOND)
    clock.sleep_until(START + 4.0)
    assert fake.slept == [pytest.approx(2.5, abs=ONE_MICROSECOND)]
    assert str(clock) == "realtime"


def test_default_start_is_the_wall_clock():
    clock = Clock("virtual", wall=lambda: 42.0)
    assert clock.now_unix_s() == 42.0


@pytest.mark.parametrize("text", ["scaled", "scaled:0", "scaled:-2", "scaled:x", "warp",
                                  "virtual:3", "scaled:inf"])
def test_bad_clock_text_is_an_input_error(text):
    with pytest.raises(InputError, match="clock"):
        parse_clock(text)


def test_advance_refuses_negative_time():
    clock, _ = make("virtual")
    with pytest.raises(ValueError):
        clock.advance(-1.0)


def test_iso8601_both_ways():
    assert parse_iso8601("2026-01-01T00:00:00Z") == START
    assert parse_iso8601("2026-01-01T08:00:00+08:00") == START
    assert parse_iso8601("2026-01-01 00:00:30") == START + 30.0  # no zone: UTC
    assert format_iso8601(START + 0.25) == "2026-01-01T00:00:00.250Z"
    with pytest.raises(InputError, match=r"--start 'noon': not an ISO 8601 time"):
        parse_iso8601("noon", "--start")


@pytest.mark.parametrize("text, accepted", [
    ("1957-10-04T19:28:34Z", True),      # Sputnik 1's launch year: the earliest accepted
    ("1956-12-31T23:59:59Z", False),
    ("2199-12-31T23:59:59Z", True),
    ("2200-01-01T00:00:00Z", False),
    ("9999-12-31T23:59:59Z", False),     # + any span would overflow datetime
    ("2200-01-01T07:00:00+08:00", True),  # 2199-12-31T23:00Z: the year is taken in UTC
])
def test_iso8601_year_window(text, accepted):
    if accepted:
        assert format_iso8601(parse_iso8601(text))[:4] in ("1957", "2199")
    else:
        with pytest.raises(InputError, match=rf"--time {text!r}: year outside 1957\.\.2199"):
            parse_iso8601(text, "--time")
