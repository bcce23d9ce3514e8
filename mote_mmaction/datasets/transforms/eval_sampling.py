# Copyright (c) OpenMMLab. All rights reserved.
"""The MoTE authors' val/test frame indices."""
from typing import Dict

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def mote_test_indices(num_frames: int, clip_len: int,
                      num_clips: int) -> np.ndarray:
    """Frame indices of the authors' ``n``-clip test views.

    With ``tick = N / T``, clip ``k`` starts at
    ``s_k = int(linspace(0, tick - 1, n))[k]`` and takes the frames
    ``int(s_k + tick * x) mod N`` for ``x = 0..T-1``; one clip is the
    segment starts ``int(tick * x)`` of the authors' 1x1 validation.

    The authors ran NumPy 1, whose ``linspace(..., dtype=int)`` truncates
    toward zero; NumPy 2 floors, which moves the starts to ``-1`` when
    ``N < T``. The starts here are truncated explicitly, so the indices are
    the authors' on any NumPy.

    Args:
        num_frames (int): Frames in the video ``N`` (>= 1).
        clip_len (int): Frames per clip ``T``.
        num_clips (int): Clips ``n``.

    Returns:
        np.ndarray: ``[n * T]`` int64 indices in ``[0, N)``, clip by clip.
    """
    if num_frames < 1:
        raise ValueError(f'cannot sample frames of a video with '
                         f'{num_frames} frames')
    if clip_len < 1 or num_clips < 1:
        raise ValueError(f'clip_len and num_clips must be >= 1, got '
                         f'{clip_len} and {num_clips}')
    tick = num_frames / float(clip_len)
    starts = np.trunc(np.linspace(0, tick - 1, num=num_clips)).astype(
        np.int64)
    # Python's int() truncates toward zero and % is non-negative for N > 0;
    # np.trunc and np.mod on int64 do the same.
    offsets = starts[:, None] + tick * np.arange(clip_len)[None, :]
    return np.mod(np.trunc(offsets).astype(np.int64), num_frames).reshape(-1)


@TRANSFORMS.register_module()
class MoTETestSample(BaseTransform):
    """Sample val/test clips at the MoTE authors' frame indices.

    A drop-in replacement of ``UniformSample(test_mode=True)`` for the
    authors' protocol (see :func:`mote_test_indices`): 1 clip for the 1x1
    validation view, 4 for 4 clips x 3 crops, 3 for the zero-shot 3 x 1.
    Training keeps MMAction2's ``UniformSample``, which is the authors'
    training sampler already.

    Required keys: ``total_frames``, ``start_index``.
    Added keys: ``frame_inds`` ``[num_clips * clip_len]``, ``clip_len``,
    ``frame_interval`` (``None``), ``num_clips``.

    Args:
        clip_len (int): Frames per clip ``T``.
        num_clips (int): Clips per video. Defaults to 1.
    """

    def __init__(self, clip_len: int, num_clips: int = 1) -> None:
        if clip_len < 1 or num_clips < 1:
            raise ValueError(f'clip_len and num_clips must be >= 1, got '
                             f'{clip_len} and {num_clips}')
        self.clip_len = clip_len
        self.num_clips = num_clips

    def transform(self, results: Dict) -> Dict:
        inds = mote_test_indices(results['total_frames'], self.clip_len,
                                 self.num_clips)
        results['frame_inds'] = (inds + results.get('start_index', 0)).astype(
            np.int32)
        results['clip_len'] = self.clip_len
        results['frame_interval'] = None
        results['num_clips'] = self.num_clips
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(clip_len={self.clip_len}, '
                f'num_clips={self.num_clips})')
