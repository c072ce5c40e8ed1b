"""The IQ channel's Gaussian noise (issue 16): the C core's ziggurat against its numpy twin
bit for bit, on both CPU paths, and its statistics against scipy's normal distribution."""
import numpy as np
import pytest
from scipy import optimize, special, stats

import phy_ffi
from phy_ffi import CONST, channel_trajectory
from phy_ffi.twin.noise import gaussian_noise, noise_tables
from tests.phy.test_link_paths import TWO_LANES, run_child

RATE_HZ = 1.92e6          # LTE 1.4 MHz / NB-IoT sampling rate (TS 36.104 numerology)
N_SAMPLES = 1_000_000     # 2 M components: about 11,000 leave the inner rectangles
SEED = 2016
NOISE_POWER = 2.0         # 1.0 per component: the draws are standard normals
KS_ALPHA = 1e-3           # Kolmogorov-Smirnov, one fixed seed: fails 1 run in 1,000 if fair
FIVE_SIGMA = 5.0          # moment tests: 5 standard errors of each estimator
# Marsaglia and Tsang (J. Stat. Softw. 5(8), 2000), the published 256-layer ziggurat: r and v.
PAPER_256 = (3.6541528853610088, 4.92867323399e-3)
CLOSURE_RTOL = 1e-12      # root of the layer recurrence vs the constant (double rounding)
CAP_AREA_RTOL = 1e-9      # the cap layer's area after the recurrence's 510 steps in double


def c_noise(n: int = N_SAMPLES, seed: int = SEED, blocks: int = 1) -> np.ndarray:
    """The C channel's output on zeros: its noise alone (the delayed zeros add nothing)."""
    traj = channel_trajectory([0.0, 10.0], 1e-4, 0.0, 0.0)
    ch = phy_ffi.IQChannel(RATE_HZ, traj, noise_power=NOISE_POWER, seed=seed)
    return np.concatenate([ch.process(np.zeros(part.size, np.complex64))
                           for part in np.array_split(np.arange(n), blocks)])


@pytest.fixture(scope="module")
def noise() -> np.ndarray:
    return c_noise()


def layer_closure(r: float, layers: int) -> tuple[float, float]:
    """(top layer's area - v, v) for a ziggurat of ``layers`` layers starting its tail at r:
    zero when the equal-area recurrence closes at x = 0 (scipy's erfc for the tail)."""
    f = lambda x: np.exp(-0.5 * x * x)   # noqa: E731
    v = r * f(r) + np.sqrt(np.pi / 2) * special.erfc(r / np.sqrt(2))
    x = r
    for i in range(1, layers - 1):
        y = f(x) + v / x
        if y >= 1.0:
            return -float(layers - i), v     # closed too early: r too small
        x = np.sqrt(-2.0 * np.log(y))
    return x * (1.0 - f(x)) - v, v


def solve_ziggurat(layers: int) -> tuple[float, float]:
    r = optimize.brentq(lambda r: layer_closure(r, layers)[0], 3.0, 4.5, xtol=1e-15)
    return r, layer_closure(r, layers)[1]


def test_the_solver_finds_the_published_256_layer_ziggurat():
    r, v = solve_ziggurat(256)
    assert r == pytest.approx(PAPER_256[0], rel=CLOSURE_RTOL)
    assert v == pytest.approx(PAPER_256[1], rel=1e-11)   # the paper prints 12 digits


def test_the_core_ziggurat_closes():
    r, v = solve_ziggurat(CONST.IQ_NOISE_LAYERS)
    assert r == pytest.approx(CONST.IQ_NOISE_R, rel=CLOSURE_RTOL)
    assert v == pytest.approx(CONST.IQ_NOISE_AREA, rel=CLOSURE_RTOL)
    inner, _, edge, height = noise_tables()
    assert edge[-2] * (1.0 - height[-2]) == pytest.approx(v, rel=CAP_AREA_RTOL)
    assert (np.diff(edge[1:]) < 0).all() and (inner < 2 ** 31).all()


def test_c_core_equals_twin_bit_for_bit(noise):
    twin = gaussian_noise(SEED, 0, N_SAMPLES, NOISE_POWER)
    np.testing.assert_array_equal(noise, twin)
    x = np.abs(noise.view(np.float32))
    assert (x > CONST.IQ_NOISE_R).sum() > 100          # the tail path ran


def test_noise_depends_only_on_seed_and_sample_index(noise):
    np.testing.assert_array_equal(c_noise(blocks=7), noise)
    np.testing.assert_array_equal(gaussian_noise(SEED, 700_000, 1000, NOISE_POWER),
                                  noise[700_000:701_000])
    other = c_noise(n=1000, seed=SEED + 1)
    assert not np.any(other == noise[:1000])


def write_noise(path: str) -> None:
    """Child side: this process's noise into an .npy file."""
    np.save(path, c_noise(n=200_000))


# The noise's three builds (csrc/iq_noise.c): this process takes the widest the CPU has;
# the children force the baseline (NTNPHY_NO_AVX2) and the AVX2 one (NTNPHY_NO_AVX512).
@pytest.mark.parametrize("env", [TWO_LANES, {"NTNPHY_NO_AVX512": "1"}], ids=["baseline", "avx2"])
def test_every_cpu_path_gives_the_same_bits(tmp_path, noise, env):
    path = tmp_path / "noise.npy"
    code = f"from tests.phy.test_iq_noise import write_noise; write_noise({str(path)!r})"
    done = run_child(["-c", code], env)
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(np.load(path), noise[:200_000])


def test_moments_match_a_standard_normal(noise):
    x = noise.view(np.float32).astype(np.float64)
    n = x.size
    # Standard errors of the estimators for a normal: mean 1/sqrt(n), variance sqrt(2/n),
    # skewness sqrt(6/n), excess kurtosis sqrt(24/n).
    assert abs(x.mean()) < FIVE_SIGMA / np.sqrt(n)
    assert abs(x.var() - 1.0) < FIVE_SIGMA * np.sqrt(2.0 / n)
    assert abs(stats.skew(x)) < FIVE_SIGMA * np.sqrt(6.0 / n)
    assert abs(stats.kurtosis(x)) < FIVE_SIGMA * np.sqrt(24.0 / n)


def test_kolmogorov_smirnov_against_scipy_normal(noise):
    x = noise.view(np.float32).astype(np.float64)
    assert stats.kstest(x, "norm").pvalue > KS_ALPHA
    tail = x[np.abs(x) > 2.5]   # the wedges, the base layer and the tail, on their own
    conditional = stats.truncnorm(2.5, np.inf)
    assert stats.kstest(np.abs(tail), conditional.cdf).pvalue > KS_ALPHA


def test_tail_frequency_and_independence(noise):
    x = noise.view(np.float32).astype(np.float64)
    for z in (CONST.IQ_NOISE_R, 4.5):
        p = 2.0 * stats.norm.sf(z)
        assert abs(np.mean(np.abs(x) > z) - p) < FIVE_SIGMA * np.sqrt(p * (1 - p) / x.size)
    i, q = noise.real.astype(np.float64), noise.imag.astype(np.float64)
    for a, b in ((i, q), (i[:-1], i[1:]), (q[:-1], q[1:])):   # I-Q and lag-1 correlations
        assert abs(np.corrcoef(a, b)[0, 1]) < FIVE_SIGMA / np.sqrt(a.size)
