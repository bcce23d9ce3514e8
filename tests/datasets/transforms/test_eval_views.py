# Copyright (c) OpenMMLab. All rights reserved.
"""The authors' spatial test views against torchvision on PIL frames, and
the whole test pipeline on a real decoded video."""
import numpy as np
import pytest
import torch
import torchvision.transforms as T
from mmaction.registry import TRANSFORMS
from mmengine.dataset import Compose
from PIL import Image

from mote_mmaction.datasets.transforms.eval_views import (
    mote_crop_offsets, short_side_size)
from mote_mmaction.testing.synthetic_videos import write_motion_clip


def _frames(h, w, n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


@pytest.mark.parametrize('hw', [(48, 75), (48, 72), (75, 48), (32, 32),
                                (240, 427)])
def test_resize_matches_torchvision_pil_bicubic(hw):
    frames = _frames(*hw)
    size = 32
    out = TRANSFORMS.build(dict(type='MoTETestResize', short_side=size))(
        dict(imgs=list(frames)))
    ref = T.Resize(size, interpolation=T.InterpolationMode.BICUBIC)
    for got, frame in zip(out['imgs'], frames):
        want = np.asarray(ref(Image.fromarray(frame)))
        assert got.shape == want.shape
        assert np.array_equal(got, want)
    assert out['img_shape'] == out['imgs'][0].shape[:2]


def test_long_side_is_truncated_as_torchvision():
    # 224 * 427 / 240 = 398.53: torchvision keeps 398, rounding would be 399
    assert short_side_size(240, 427, 224) == (224, 398)
    assert short_side_size(427, 240, 224) == (398, 224)


@pytest.mark.parametrize('hw', [(32, 57), (32, 58), (32, 32), (45, 32)])
def test_center_crop_matches_torchvision(hw):
    frames = _frames(*hw)
    out = TRANSFORMS.build(dict(type='MoTETestCrop', crop_size=32))(
        dict(imgs=list(frames)))
    ref = T.CenterCrop(32)
    for got, frame in zip(out['imgs'], frames):
        assert np.array_equal(got, np.asarray(ref(Image.fromarray(frame))))


def test_three_crops_are_the_authors_full_res_samples():
    # GroupFullResSample(flip=False): steps of (W - crop) // 4, order
    # left, right, centre; MMAction2's ThreeCrop would use (W - crop) // 2.
    assert mote_crop_offsets(32, 62, 32, 3) == [(0, 0), (28, 0), (14, 0)]
    assert mote_crop_offsets(40, 62, 32, 3) == [(0, 4), (28, 4), (14, 4)]
    frames = _frames(32, 62, n=2)
    out = TRANSFORMS.build(dict(type='MoTETestCrop', crop_size=32,
                                num_crops=3))(dict(imgs=list(frames)))
    assert len(out['imgs']) == 6
    for i, x in enumerate((0, 28, 14)):
        for j, frame in enumerate(frames):
            assert np.array_equal(out['imgs'][2 * i + j],
                                  frame[:, x:x + 32])
    assert out['crop_bbox'].shape == (6, 4)


def test_crop_larger_than_frame_is_a_clear_error():
    with pytest.raises(ValueError, match='smaller than the 32 px crop'):
        TRANSFORMS.build(dict(type='MoTETestCrop', crop_size=32))(
            dict(imgs=_frames(24, 40)))


def test_pipeline_on_a_video_gives_the_authors_views(tmp_path):
    path = str(tmp_path / 'clip.mp4')
    write_motion_clip(path, 'moving left', num_frames=20, size=(80, 48),
                      fps=8, seed=3)
    pipeline = Compose([
        dict(type='DecordInit'),
        dict(type='MoTETestSample', clip_len=4, num_clips=2),
        dict(type='DecordDecode'),
        dict(type='MoTETestResize', short_side=32),
        dict(type='MoTETestCrop', crop_size=32, num_crops=3),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ])
    inputs = pipeline(dict(filename=path, label=0, start_index=0,
                           modality='RGB'))['inputs']
    assert inputs.shape == (6, 3, 4, 32, 32)  # 3 crops x 2 clips

    # Independent reference: the authors' loop over decord frames with
    # torchvision's PIL transforms.
    import decord
    vr = decord.VideoReader(path)
    n = len(vr)
    tick = n / 4.0
    starts = [int(v) for v in np.linspace(0, tick - 1, num=2)]
    inds = [int(s + tick * x) % n for s in starts for x in range(4)]
    resize = T.Resize(32, interpolation=T.InterpolationMode.BICUBIC)
    imgs = [resize(Image.fromarray(vr[i].asnumpy())) for i in inds]
    w = imgs[0].size[0]
    step = (w - 32) // 4
    for crop, x in enumerate((0, 4 * step, 2 * step)):
        crops = np.stack([np.asarray(im.crop((x, 0, x + 32, 32)))
                          for im in imgs])  # [8, 32, 32, 3]
        want = torch.from_numpy(crops).permute(3, 0, 1, 2).reshape(
            3, 2, 4, 32, 32).permute(1, 0, 2, 3, 4)  # [clips, C, T, H, W]
        got = inputs[2 * crop:2 * crop + 2]
        assert torch.equal(got, want), crop
