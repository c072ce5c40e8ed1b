"""phy_ffi.sum_squares (C) against its numpy twin: the float32 squares summed in float64 in
numpy's order (per cast buffer of NTN_IQ_SUM_BUFFER values, pairwise inside), bit for bit.
This sum sets the noise power of ``ntnstack channel --snr-db``: a different last bit is a
different noise."""
import numpy as np
import pytest

import phy_ffi
from phy_ffi.errors import PhyValueError
from phy_ffi.twin.channel import sum_squares as twin_sum_squares

BUFFER = phy_ffi.CONST.IQ_SUM_BUFFER
# lengths around every branch of the pairwise sum (under 8, up to 128 in 8 lanes, halves above)
# and of the buffers (one, a multiple, a remainder)
LENGTHS = [0, 1, 7, 8, 9, 127, 128, 129, 1000, BUFFER - 1, BUFFER, BUFFER + 1, 5 * BUFFER + 3,
           300_001]


def _wide_range(n: int, seed: int) -> np.ndarray:
    """float32 values whose squares span 18 decades, so that the float64 sums round."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 3, n)).astype(np.float32)


@pytest.mark.parametrize("n", LENGTHS)
def test_c_equals_the_numpy_twin_bit_for_bit(n):
    x = _wide_range(n, seed=n)
    for total in (0.0, 12345.678):
        assert phy_ffi.sum_squares(x, total) == twin_sum_squares(x, total)
        assert twin_sum_squares(x, total) == float(
            np.sum(np.square(x), dtype=np.float64, initial=total))


def test_a_read_only_complex_view_counts_i_and_q():
    z = _wide_range(20_002, seed=5).view(np.complex64)
    z.flags.writeable = False
    assert phy_ffi.sum_squares(z) == twin_sum_squares(z.view(np.float32))


def test_other_dtypes_are_refused_by_name():
    with pytest.raises(PhyValueError, match="iq_sum_squares: x: dtype float64"):
        phy_ffi.sum_squares(np.ones(4))
