"""The link grid split over threads (phy_ffi.parallel): each thread's C call writes its own
satellites' rows, so a grid computed in 2 or 3 threads is the same bits as in one, bad
elements and field selections included."""
import itertools

import numpy as np
import pytest

import phy_ffi
from phy_ffi import parallel
from phy_ffi.errors import PhyValueError
from tests.phy.circular_orbit import R_3GPP_M, circular_states

STATUS_ERR_RANGE = phy_ffi.CONST.ERR_RANGE


def grid_inputs(n_sat: int, n_ue: int, n_t: int):
    """n_sat LEO-600 satellites over n_t times (60 s apart) and n_ue terminals, with a NaN
    satellite state and a terminal at the Earth's centre (both flagged per element)."""
    t = np.arange(n_t) * 60.0
    sats = [circular_states(R_3GPP_M + 600e3, 53.0, 360.0 * k / n_sat, 13.0 * k, t)
            for k in range(n_sat)]
    pos, vel, acc = (np.ascontiguousarray(np.stack([s[j] for s in sats])) for j in range(3))
    pos[3, 0] = np.nan
    rng = np.random.default_rng(5)
    ues = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, n_ue), rng.uniform(-180, 180, n_ue),
                                   0.0).ecef_m
    ues[1] = 0.0
    gws = phy_ffi.geodetic_to_ecef(rng.uniform(-60, 60, n_sat), rng.uniform(-180, 180, n_sat),
                                   0.0).ecef_m
    return pos, vel, acc, ues, gws


def with_threads(monkeypatch, n: int, inputs, **kw):
    monkeypatch.setenv("NTNPHY_THREADS", str(n))
    return phy_ffi.link_grid(*inputs, **kw)


# One instant with terminals along the lanes (and rows that do not start on a cache line:
# 37 terminals), and a time series with a partial block (67 times); field selections.
CASES = {"one_time": (11, 37, 1), "times": (7, 3, 67)}


@pytest.mark.parametrize("fields", [None, ["elevation_deg"], ["range_m", "azimuth_deg"]],
                         ids=["all", "elevation", "two"])
@pytest.mark.parametrize("case", CASES)
def test_threads_give_the_bits_of_one_call(monkeypatch, case, fields):
    n_sat, n_ue, n_t = CASES[case]
    monkeypatch.setattr(parallel, "MIN_PART_ELEMENTS", 1)  # split even these small grids
    inputs = grid_inputs(n_sat, n_ue, n_t)
    serial = with_threads(monkeypatch, 1, inputs, fields=fields)
    for n in (2, 3):
        monkeypatch.setenv("NTNPHY_THREADS", str(n))
        assert len(parallel.ranges(n_sat, n_ue * n_t)) == n  # the call really is split
        split = phy_ffi.link_grid(*inputs, fields=fields)
        for name in serial._fields:
            a, b = getattr(serial, name), getattr(split, name)
            assert (a is None) == (b is None), name
            if a is not None:
                np.testing.assert_array_equal(a, b, err_msg=f"{name} with {n} threads")
    assert (serial.status[3] != 0).any() and (serial.status[:, 1] != 0).all()


def test_threads_write_into_caller_buffers(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART_ELEMENTS", 1)
    inputs = grid_inputs(*CASES["times"])
    expected = with_threads(monkeypatch, 1, inputs)
    out = phy_ffi.link_grid_buffers(*CASES["times"])
    out[0].fill(-1.0)
    out[1].fill(-1)
    got = with_threads(monkeypatch, 2, inputs, out=out)
    np.testing.assert_array_equal(got.range_m, expected.range_m)
    np.testing.assert_array_equal(out[1], expected.status)


def test_a_failed_call_leaves_nan_and_the_status_in_every_row(monkeypatch):
    # a carrier frequency the core refuses: every thread's rows get NaN and ERR_RANGE
    monkeypatch.setattr(parallel, "MIN_PART_ELEMENTS", 1)
    monkeypatch.setenv("NTNPHY_THREADS", "3")
    out = phy_ffi.link_grid_buffers(*CASES["one_time"])
    out[0].fill(1.0)
    out[1].fill(0)
    with pytest.raises(PhyValueError, match="link_grid"):
        phy_ffi.link_grid(*grid_inputs(*CASES["one_time"]), freq_dl_hz=-1.0, out=out)
    assert np.isnan(out[0]).all() and (out[1] == STATUS_ERR_RANGE).all()


def test_ranges_cover_every_row_once(monkeypatch):
    monkeypatch.setenv("NTNPHY_THREADS", "4")
    for n_rows, per_row in ((1, 10**9), (3, 10**9), (396, 500), (1584, 64), (8, 10)):
        parts = parallel.ranges(n_rows, per_row)
        assert parts[0][0] == 0 and parts[-1][1] == n_rows
        assert all(a[1] == b[0] for a, b in itertools.pairwise(parts))
        assert all(end > begin for begin, end in parts)
        assert len(parts) <= min(4, n_rows)
        # no thread for less than MIN_PART_ELEMENTS elements, unless one part holds all
        assert len(parts) == 1 or n_rows * per_row // len(parts) >= parallel.MIN_PART_ELEMENTS


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_a_bad_thread_count_is_named(monkeypatch, value):
    monkeypatch.setenv("NTNPHY_THREADS", value)
    with pytest.raises(ValueError, match="NTNPHY_THREADS"):
        parallel.thread_count()


def test_an_exception_in_a_worker_reaches_the_caller():
    def call(begin: int, end: int) -> int:
        if begin:
            raise RuntimeError(f"rows {begin}-{end}")
        return 0
    with pytest.raises(RuntimeError, match="rows 2-4"):
        parallel.run_ranges(call, [(0, 2), (2, 4)])
    assert parallel.run_ranges(lambda b, e: e - b, [(0, 2), (2, 5), (5, 6)]) == [2, 3, 1]


@pytest.mark.parametrize("n_t", [1, 72], ids=["one_time", "times"])
def test_streamed_grid_gives_the_bits_of_small_calls(monkeypatch, n_t):
    # Above 2 MiB of output the kernel streams whole blocks of cache lines straight from its
    # lanes; in the one-time grid a satellite's row starting mid-line gets a head block of
    # its own (131 terminals: the head changes from satellite to satellite). One satellite at
    # a time stays below that size and goes through the stack rows: both must give the same
    # bits. Bad elements: a NaN state and a terminal at the Earth's centre (flagged with their
    # side), and a terminal exactly at satellite 7's position (r = 0: found by the kernel in
    # a streamed block, NaN written after the streamed lines).
    monkeypatch.setenv("NTNPHY_THREADS", "1")
    n_sat, n_ue = (152, 131) if n_t == 1 else (12, 29)   # planes whole lines apart
    assert n_sat * n_ue * n_t * 124 > 2 << 20
    pos, vel, acc, ues, gws = grid_inputs(n_sat, n_ue, n_t)
    t_bad = 0 if n_t == 1 else 10   # inside a whole streamed block either way
    ues[n_ue - 9] = pos[7, t_bad]
    whole = phy_ffi.link_grid(pos, vel, acc, ues, gws)
    for s in range(n_sat):
        one = phy_ffi.link_grid(pos[s:s + 1], vel[s:s + 1], acc[s:s + 1], ues, gws[s:s + 1])
        for name in whole._fields:
            np.testing.assert_array_equal(getattr(whole, name)[s], getattr(one, name)[0],
                                          err_msg=f"{name} of satellite {s}")
    assert np.isnan(whole.range_m[3, :, 0]).all() and (whole.status[:, 1] != 0).all()
    assert whole.status[7, n_ue - 9, t_bad] == STATUS_ERR_RANGE
    assert np.isnan(whole.elevation_deg[7, n_ue - 9, t_bad])
    assert (whole.status == 0).sum() > 0.9 * whole.status.size


def test_a_bad_element_of_a_grid_status_is_named_by_its_indices():
    # phy_ffi.check_status on an (S, U, T) status: the first bad element's index per axis
    status = np.zeros((2, 3, 4), dtype=np.int32)
    status[1, 2, 0] = STATUS_ERR_RANGE
    with pytest.raises(PhyValueError, match=r"grid \[element \(1, 2, 0\) of shape \(2, 3, 4\)\]"):
        phy_ffi.check_status(status, "grid")
    with pytest.raises(PhyValueError, match=r"flat \[element 5 of 6\]"):
        phy_ffi.check_status(np.array([0, 0, 0, 0, 0, STATUS_ERR_RANGE], np.int32), "flat")
