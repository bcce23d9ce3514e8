# Copyright (c) OpenMMLab. All rights reserved.
"""compat.py's NumPy 2 fixes for stock mmaction2 code a MoTE config may use,
and the clear error for DRN built from a config."""
import numpy as np
import pytest
from mmaction.datasets.transforms.processing import ColorJitter
from mmaction.registry import MODELS, TRANSFORMS

import mote_mmaction  # noqa: F401
from mote_mmaction import compat
from mote_mmaction.testing.synthetic_videos import write_motion_clip


def test_frame_extract_with_short_side(tmp_path):
    from mmaction.utils.misc import frame_extract
    video = str(tmp_path / 'clip.mp4')
    write_motion_clip(video, 'moving left', num_frames=6, size=(64, 48),
                      fps=8, seed=0)
    paths, frames = frame_extract(video, short_side=24,
                                  out_dir=str(tmp_path / 'frames'))
    assert len(paths) == 6 and frames[0].shape == (24, 32, 3)


def test_pose_compact_runs():
    kp = np.zeros((1, 4, 5, 2), dtype=np.float32)
    kp[..., 0] = np.linspace(10, 30, 5)
    kp[..., 1] = np.linspace(20, 40, 5)
    out = TRANSFORMS.build(dict(type='PoseCompact', hw_ratio=1.0))(
        dict(img_shape=(64, 64), keypoint=kp.copy()))
    h, w = out['img_shape']
    assert h == w and h < 64  # cropped around the keypoints


def test_only_mmaction_modules_see_inf():
    assert not hasattr(np, 'Inf') or np.__version__.startswith('1.')
    import mmaction.utils.misc as misc
    assert misc.np.Inf == float('inf')
    assert misc.np.zeros is np.zeros


def _hue_numpy1(img, factor):
    """NumPy 1's result: value-based casting kept ``uint8 + positive int``
    in uint8 (wrapping at 256) and promoted ``uint8 + negative int``."""
    import cv2
    img = np.clip(img, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    offset = int(factor * 255)
    hue = hsv[..., 0].astype(np.int64) + offset
    if offset >= 0:
        hue = hue % 256
    hsv[..., 0] = np.mod(hue, 180).astype(np.uint8)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)


@pytest.mark.parametrize('factor', [-0.5, -0.1, -0.02, 0.03, 0.4])
def test_color_jitter_hue_as_numpy1(factor):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (8, 8, 3)).astype(np.float32)
    got = ColorJitter.adjust_hue(img, factor)
    np.testing.assert_array_equal(got, _hue_numpy1(img, factor))


def test_color_jitter_pipeline_many_draws():
    np.random.seed(0)
    t = TRANSFORMS.build(dict(type='ColorJitter', hue=0.1))
    imgs = [np.full((4, 4, 3), v, dtype=np.uint8) for v in (30, 120, 200)]
    for _ in range(20):  # about half the draws are negative hue shifts
        out = t(dict(imgs=list(imgs)))
        assert out['imgs'][0].dtype == np.uint8


def test_drn_from_a_config_is_a_clear_error():
    if not compat.APPLIED.get('mmaction_drn'):
        pytest.fail('this stack ships DRN; the stub test does not apply')
    with pytest.raises(ImportError, match='2714'):
        MODELS.build(dict(type='DRN'))
