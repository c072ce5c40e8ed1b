"""ntnstack.iq.pipeline: blocks come in file order with the file's content, writes keep
their order with fewer buffers than blocks, and a writer's error reaches the caller."""
import numpy as np
import pytest

from ntnstack.iq.pipeline import ChunkPipeline
from tests.iq.signals import complex_noise

SAMPLES = 10_007      # a prime: the last block is short


@pytest.fixture
def recording(tmp_path):
    x = complex_noise(SAMPLES, seed=3)
    x.tofile(tmp_path / "in.cf32")
    return x, tmp_path / "in.cf32"


@pytest.mark.parametrize("buffers, block", [(1, 4096), (2, 1000), (3, 997)])
def test_blocks_read_ahead_and_written_behind_keep_order(recording, buffers, block):
    x, path = recording
    chunks = ChunkPipeline(path, SAMPLES, 4096, buffers)
    seen = [b.copy() for b in _released(chunks, chunks.blocks(4096))]
    np.testing.assert_array_equal(np.concatenate(seen), x)
    written = []
    chunks.start_writer(lambda b: written.append(b * 2))
    for b in chunks.blocks(block):
        chunks.write(b)
    chunks.finish_writes()
    assert [w.size for w in written] == [min(block, SAMPLES - i)
                                         for i in range(0, SAMPLES, block)]
    np.testing.assert_array_equal(np.concatenate(written), x * 2)


def _released(chunks, blocks):
    for b in blocks:
        yield b
        chunks.release(b)


def test_writer_error_reaches_the_caller(recording):
    _, path = recording

    def full(block):
        raise OSError(28, "No space left on device")

    chunks = ChunkPipeline(path, SAMPLES, 1000, 2)
    chunks.start_writer(full)
    with pytest.raises(OSError, match="No space left"):
        for b in chunks.blocks(1000):
            chunks.write(b)
        chunks.finish_writes()
    with pytest.raises(ValueError, match="size: 1001 outside 1..1000"):
        next(chunks.blocks(1001))
