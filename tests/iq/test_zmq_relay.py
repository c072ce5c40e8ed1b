"""The ZeroMQ relay between two pyzmq peers on loopback, in the srsRAN ZMQ radio convention:
each peer serves its transmit samples on a REP socket (its tx_port) and fetches receive
samples with a REQ socket (its rx_port) that here points at the relay."""
import signal
import socket
import subprocess
import sys
import threading

import numpy as np
import pytest
import zmq

import phy_ffi
from ntnstack.iq.relay import RelayLeg, ZmqRelay
from tests.iq.signals import complex_noise

RATE_HZ = 1.92e6
DELAY_SAMPLES = 96
DL_DOPPLER_HZ, UL_DOPPLER_HZ = 3750.0, -3420.0   # 1.875 ppm of 2 GHz / 1.8 GHz, about LEO
MESSAGES, PER_MESSAGE = 12, 1920                  # 1 ms of samples per request


class TxPeer:
    """A radio's tx_port: a REP socket answering each request with its next samples."""

    def __init__(self, ctx, stream: np.ndarray):
        self.sock = ctx.socket(zmq.REP)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.bind("tcp://127.0.0.1:*")
        self.endpoint = self.sock.getsockopt_string(zmq.LAST_ENDPOINT)
        self.stream = stream
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        for k in range(MESSAGES):
            if not self.sock.poll(5000):
                return
            self.sock.recv()
            self.sock.send(self.stream[k * PER_MESSAGE:(k + 1) * PER_MESSAGE].tobytes())
        self.sock.close(linger=2000)   # let the last reply leave


def rx_peer(ctx, endpoint: str) -> np.ndarray:
    """A radio's rx_port: REQ, one request per block, collects what arrives."""
    sock = ctx.socket(zmq.REQ)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    got = []
    for _ in range(MESSAGES):
        sock.send(b"\x01")
        assert sock.poll(5000), "no reply from the relay"
        got.append(np.frombuffer(sock.recv(), dtype="<c8"))
    sock.close()
    return np.concatenate(got)


def _channel(doppler_hz: float):
    traj = phy_ffi.channel_trajectory([0.0, 10.0], DELAY_SAMPLES / RATE_HZ, doppler_hz, -3.0)
    return phy_ffi.IQChannel(RATE_HZ, traj)


@pytest.fixture
def ctx():
    context = zmq.Context()
    yield context
    context.destroy(linger=0)


def test_relay_applies_the_channel_both_ways(ctx):
    total = MESSAGES * PER_MESSAGE
    dl_in, ul_in = complex_noise(total, seed=1), complex_noise(total, seed=2)
    bs_tx, ue_tx = TxPeer(ctx, dl_in), TxPeer(ctx, ul_in)
    relay = ZmqRelay([
        RelayLeg("DL", "tcp://127.0.0.1:*", bs_tx.endpoint, _channel(DL_DOPPLER_HZ)),
        RelayLeg("UL", "tcp://127.0.0.1:*", ue_tx.endpoint, _channel(UL_DOPPLER_HZ)),
    ], context=ctx).start()
    try:
        results = {}
        readers = [threading.Thread(target=lambda k=k, leg=leg: results.__setitem__(
            k, rx_peer(ctx, leg.endpoint))) for k, leg in (("dl", relay.legs[0]),
                                                            ("ul", relay.legs[1]))]
        for r in readers:
            r.start()
        for r in readers:
            r.join(20)
    finally:
        relay.stop()
    assert relay.failed is None
    n = np.arange(MESSAGES * PER_MESSAGE)
    for key, x, f in (("dl", dl_in, DL_DOPPLER_HZ), ("ul", ul_in, UL_DOPPLER_HZ)):
        y = results[key]
        # Bit for bit what the channel gives on the whole stream, whatever the message sizes.
        np.testing.assert_array_equal(y, _channel(f).process(x))
        # And physically: x delayed by DELAY_SAMPLES, rotated by f, 3 dB down.
        ideal = 10 ** (-3 / 20) * x[:-DELAY_SAMPLES] * np.exp(2j * np.pi * f * n[DELAY_SAMPLES:]
                                                               / RATE_HZ)
        assert np.max(np.abs(y[DELAY_SAMPLES:] - ideal)) < 1e-5
        assert not y[:DELAY_SAMPLES].any()
    assert relay.legs[0].samples == relay.legs[1].samples == MESSAGES * PER_MESSAGE


def test_relay_reports_a_bind_failure(ctx):
    with pytest.raises(OSError, match="DL: cannot bind"):
        ZmqRelay([RelayLeg("DL", "tcp://256.0.0.1:1", "tcp://127.0.0.1:1",
                           _channel(0.0))], context=ctx).start()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_relay_end_to_end(ctx, tmp_path):
    # ``ntnstack channel --zmq-...`` as a user runs it, between two pyzmq radios; Ctrl-C ends it.
    (tmp_path / "t.csv").write_text("t_s,delay_s,doppler_hz,gain_db\n"
                                    f"0,{DELAY_SAMPLES / RATE_HZ!r},{DL_DOPPLER_HZ},-3\n"
                                    f"10,{DELAY_SAMPLES / RATE_HZ!r},{DL_DOPPLER_HZ},-3\n")
    total = MESSAGES * PER_MESSAGE
    bs_tx, ue_tx = TxPeer(ctx, complex_noise(total, seed=1)), TxPeer(ctx, complex_noise(total))
    dl, ul = f"tcp://127.0.0.1:{_free_port()}", f"tcp://127.0.0.1:{_free_port()}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ntnstack", "channel", "--rate", str(RATE_HZ), "--trajectory",
         str(tmp_path / "t.csv"), "--zmq-bs-tx", bs_tx.endpoint, "--zmq-ue-tx", ue_tx.endpoint,
         "--zmq-dl-bind", dl, "--zmq-ul-bind", ul], stderr=subprocess.PIPE, text=True)
    try:
        y = rx_peer(ctx, dl)
        rx_peer(ctx, ul)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    np.testing.assert_array_equal(y, _channel(DL_DOPPLER_HZ).process(bs_tx.stream))
    assert proc.returncode == 130 and "relaying DL" in err
