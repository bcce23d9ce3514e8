# Copyright (c) OpenMMLab. All rights reserved.
"""PyAV's GOP reader (``seek=True``, the default) returns exactly the
frames of the forward reader (``seek=False``, every frame decoded from the
first) on h264 clips with B-frames, short and long GOPs, open GOPs and a
container without a frame count, while decoding fewer frames."""
import numpy as np
import pytest

from mote_mmaction.datasets.transforms.video_readers import PyAVReader

NUM_FRAMES = 60


def write_h264(path: str, keyint: int, bframes: int = 3,
               open_gop: bool = False) -> None:
    """A 64x48 panning texture (every frame differs), h264 at 10 fps."""
    import av
    rng = np.random.default_rng(keyint)
    tex = np.kron(rng.integers(0, 256, (14, 48, 3)),
                  np.ones((4, 4, 1))).astype(np.uint8)
    params = f'keyint={keyint}:min-keyint={keyint}:scenecut=0:' \
        f'bframes={bframes}:open-gop={int(open_gop)}'
    with av.open(path, 'w') as container:
        stream = container.add_stream('libx264', rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, 'yuv420p'
        stream.options = {'crf': '20', 'preset': 'veryfast',
                          'x264-params': params}
        for t in range(NUM_FRAMES):
            img = np.ascontiguousarray(tex[:48, 2 * t:2 * t + 64])
            frame = av.VideoFrame.from_ndarray(img, format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())


INDEX_SETS = [
    [0], [NUM_FRAMES - 1], [0, 1, 2], [5, 6, 30, 31, 59],
    list(range(0, NUM_FRAMES, 7)), list(range(3, NUM_FRAMES, 2)),
    list(range(NUM_FRAMES)),
]


@pytest.mark.parametrize('ext,keyint,open_gop,bframes,indexed', [
    ('mp4', 1, False, 3, True), ('mp4', 4, False, 3, False),
    ('mp4', 12, False, 3, False), ('mp4', 250, False, 3, False),
    ('mp4', 12, True, 3, False), ('mkv', 8, False, 3, False),
    ('mp4', 4, False, 0, True), ('mp4', 12, False, 0, True),
    ('mkv', 4, False, 0, False)])
def test_gop_reader_equals_forward_reader(tmp_path, ext, keyint, open_gop,
                                          bframes, indexed):
    """Through the container's index (mp4 without frame reordering: every
    frame a keyframe, or no B-frames) or the packets read once (the
    others), the same frames as the forward reader."""
    path = str(tmp_path / f'clip.{ext}')
    write_h264(path, keyint, bframes=bframes, open_gop=open_gop)
    with open(path, 'rb') as f:
        data = f.read()
    # the reader before this change: every frame decoded forward, each
    # converted by PyAV's own to_ndarray
    import av
    with av.open(path) as container:
        before = np.stack([f.to_ndarray(format='rgb24')
                           for f in container.decode(video=0)])
    assert len(before) == NUM_FRAMES
    rng = np.random.default_rng(0)
    sets = INDEX_SETS + [
        sorted(rng.choice(NUM_FRAMES, 8, replace=False).tolist())
        for _ in range(4)]
    fewer = 0
    for inds in sets:
        inds = np.array(inds)
        ref_reader = PyAVReader(data, seek=False)
        ref = ref_reader.read(inds)
        np.testing.assert_array_equal(ref, before[inds])
        for source in (path, data):
            reader = PyAVReader(source)
            assert len(reader) == NUM_FRAMES
            np.testing.assert_array_equal(reader.read(inds), ref)
            assert reader.frames_decoded <= ref_reader.frames_decoded
            # the packet list is read only where the index cannot serve
            assert (reader._packets is None) == indexed
        fewer += reader.frames_decoded < ref_reader.frames_decoded
    # the GOP reader is in use (it skips what the forward reader decodes)
    assert fewer >= len(sets) // 2


def test_gop_reader_reads_again_and_counts(tmp_path):
    """A second read on the same reader (the start-up check, then a
    sample) gives the same frames; a late frame of short GOPs costs about
    a GOP, not the whole video."""
    path = str(tmp_path / 'clip.mp4')
    write_h264(path, 6)
    reader = PyAVReader(path)
    first = reader.read(np.array([50, 55]))
    assert reader.frames_decoded <= 12
    np.testing.assert_array_equal(reader.read(np.array([50, 55])), first)
    np.testing.assert_array_equal(
        PyAVReader(path, seek=False).read(np.array([50, 55])), first)


def _rss_mb() -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.skipif(not __import__('os').path.exists('/proc/self/status'),
                    reason='reads VmRSS from /proc (Linux)')
def test_reader_memory_stays_flat(tmp_path):
    """Thousands of seeks (one reader per sample, as in a worker) leave no
    memory behind: each demuxer left open after its last wanted frame
    kept about 0.3 KB until the process ended (4 MB here)."""
    import ctypes
    import gc
    path = str(tmp_path / 'intra.mp4')
    write_h264(path, 1, bframes=0)  # every frame a keyframe: seeks
    with open(path, 'rb') as f:
        data = f.read()
    every_other = np.arange(0, NUM_FRAMES, 2)  # a seek per frame

    def settle() -> float:
        gc.collect()
        ctypes.CDLL('libc.so.6').malloc_trim(0)
        return _rss_mb()

    for _ in range(20):
        PyAVReader(data).read(every_other)
    before = settle()
    for _ in range(600):
        reader = PyAVReader(data)
        reader.read(every_other)
        reader.close()
    assert reader._packets is None  # the index path ran
    assert settle() - before < 1.5
