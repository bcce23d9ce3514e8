# Copyright (c) OpenMMLab. All rights reserved.
"""The authors' val/test frame indices (MoTE ``datasets/video.py``)."""
import numpy as np
import pytest
from mmaction.registry import TRANSFORMS

from mote_mmaction.datasets.transforms import mote_test_indices


def authors_indices(n_frames, clip_len, n_clips):
    """The authors' formula written out in Python, with NumPy 1's
    ``linspace(..., dtype=int)`` (``astype``: truncation toward zero)."""
    tick = n_frames / float(clip_len)
    starts = [int(v) for v in np.linspace(0, tick - 1, num=n_clips)]
    return [int(s + tick * x) % n_frames for s in starts
            for x in range(clip_len)]


@pytest.mark.parametrize('clip_len', [1, 8, 16])
@pytest.mark.parametrize('n_clips', [1, 3, 4])
def test_indices_match_authors_formula(clip_len, n_clips):
    for n_frames in list(range(1, 40)) + [75, 250, 299, 300, 301, 1001]:
        got = mote_test_indices(n_frames, clip_len, n_clips)
        assert got.tolist() == authors_indices(n_frames, clip_len, n_clips), \
            (n_frames, clip_len, n_clips)
        assert got.min() >= 0 and got.max() < n_frames


def test_one_clip_is_the_segment_starts():
    # the authors' 1x1 validation: int(tick * x) % N
    assert mote_test_indices(80, 8, 1).tolist() == list(range(0, 80, 10))
    assert mote_test_indices(30, 8, 1).tolist() == [
        int(3.75 * x) for x in range(8)]


def test_short_video_uses_truncation_not_numpy2_floor():
    # N=4 < T=8: tick 0.5, starts linspace(0, -0.5, 3) = [0, -0.25, -0.5];
    # the authors' NumPy 1 truncates them to 0, NumPy 2 floors to -1.
    got = mote_test_indices(4, 8, 3).reshape(3, 8)
    for clip in got:
        assert clip.tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    floored = np.linspace(0, -0.5, 3).astype(float)
    floored = np.floor(floored).astype(int)
    assert floored.tolist() == [0, -1, -1]  # what today's NumPy would start


def test_four_clips_spread_over_the_first_tick():
    # N=300, T=8: tick 37.5, starts int(linspace(0, 36.5, 4)) = 0, 12, 24, 36
    got = mote_test_indices(300, 8, 4).reshape(4, 8)
    assert got[:, 0].tolist() == [0, 12, 24, 36]
    assert got[1].tolist() == [int(12 + 37.5 * x) for x in range(8)]


def test_transform_keys_and_start_index():
    t = TRANSFORMS.build(dict(type='MoTETestSample', clip_len=8, num_clips=4))
    out = t(dict(total_frames=300, start_index=0))
    assert out['frame_inds'].shape == (32, )
    assert out['frame_inds'].tolist() == authors_indices(300, 8, 4)
    assert (out['clip_len'], out['num_clips']) == (8, 4)
    assert out['frame_interval'] is None
    # rawframe datasets count from 1
    out1 = t(dict(total_frames=300, start_index=1))
    assert (out1['frame_inds'] - 1).tolist() == authors_indices(300, 8, 4)


def test_empty_video_is_a_clear_error():
    with pytest.raises(ValueError, match='0 frames'):
        mote_test_indices(0, 8, 1)
    with pytest.raises(ValueError, match='num_clips'):
        TRANSFORMS.build(dict(type='MoTETestSample', clip_len=8, num_clips=0))
