# Copyright (c) OpenMMLab. All rights reserved.
import copy

import numpy as np
import pytest
from mmaction.registry import TRANSFORMS
from PIL import Image

from mote_mmaction.datasets.transforms import MoTERandomGrayscale
from mote_mmaction.datasets.transforms.grayscale import rgb_to_gray3


def make_clip(num_frames=4, h=6, w=5, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        for _ in range(num_frames)
    ]


def is_gray(img):
    return np.array_equal(img[..., 0], img[..., 1]) and np.array_equal(
        img[..., 0], img[..., 2])


def test_registered_and_repr():
    assert TRANSFORMS.get('MoTERandomGrayscale') is MoTERandomGrayscale
    t = TRANSFORMS.build(dict(type='MoTERandomGrayscale', p=0.3))
    assert isinstance(t, MoTERandomGrayscale) and t.p == 0.3
    assert repr(t) == 'MoTERandomGrayscale(p=0.3)'
    assert MoTERandomGrayscale().p == 0.2
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match='p must be'):
            MoTERandomGrayscale(p)


def test_p1_converts_every_frame_with_601_luma():
    clip = make_clip(num_frames=3, h=16, w=24)
    results = MoTERandomGrayscale(p=1.0)(dict(imgs=copy.deepcopy(clip)))
    assert results['grayscale'] is True
    assert len(results['imgs']) == 3
    for src, out in zip(clip, results['imgs']):
        assert out.shape == src.shape and out.dtype == np.uint8
        assert is_gray(out)
        luma = src.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        assert np.abs(out[..., 0] - luma).max() <= 0.5 + 1e-3
        # exactly PIL's convert('L'), i.e. torchvision's RandomGrayscale
        # on the PIL frames of the official MoTE pipeline
        pil = np.asarray(Image.fromarray(src).convert('L'))
        np.testing.assert_array_equal(out[..., 0], pil)


def test_known_colours():
    img = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255],
                     [0, 0, 0], [10, 20, 30]]], np.uint8)
    # 76.245, 149.685, 29.07, 255, 0, 18.1
    np.testing.assert_array_equal(
        rgb_to_gray3(img)[0, :, 0], [76, 150, 29, 255, 0, 18])


def test_p0_leaves_clip_untouched():
    clip = make_clip()
    frames = list(clip)
    results = MoTERandomGrayscale(p=0.0)(dict(imgs=frames))
    assert results['grayscale'] is False
    assert results['imgs'] is frames
    for a, b in zip(results['imgs'], clip):
        assert a is b


def test_stacked_array_and_float_frames():
    stack = np.stack(make_clip(num_frames=2))
    out = MoTERandomGrayscale(p=1.0)(dict(imgs=stack))['imgs']
    assert isinstance(out, np.ndarray) and out.shape == stack.shape
    assert is_gray(out)
    np.testing.assert_array_equal(out,
                                  np.stack([rgb_to_gray3(f) for f in stack]))
    floats = stack.astype(np.float32) / 255
    out = rgb_to_gray3(floats)
    assert out.dtype == np.float32 and is_gray(out)
    np.testing.assert_allclose(
        out[..., 0],
        floats @ np.array([0.299, 0.587, 0.114], np.float32),
        rtol=1e-6)
    with pytest.raises(ValueError, match='RGB'):
        rgb_to_gray3(np.zeros((4, 4, 1), np.uint8))


def test_one_draw_per_clip():
    np.random.seed(1)
    transform = MoTERandomGrayscale(p=0.5)
    outcomes = []
    for i in range(200):
        results = transform(dict(imgs=make_clip(num_frames=6, seed=i)))
        gray = [is_gray(f) for f in results['imgs']]
        assert all(gray) or not any(gray)  # never a mix within a clip
        assert all(gray) == results['grayscale']
        outcomes.append(results['grayscale'])
    assert 60 < sum(outcomes) < 140


def test_frequency_and_reproducibility():
    transform = MoTERandomGrayscale()  # p = 0.2

    def draws(n):
        return [
            transform(
                dict(imgs=make_clip(num_frames=1, h=2, w=2)))['grayscale']
            for _ in range(n)
        ]

    np.random.seed(0)
    first = draws(2000)
    rate = sum(first) / len(first)
    assert abs(rate - 0.2) < 0.03, rate  # binomial sd ~ 0.009
    np.random.seed(0)
    assert draws(2000) == first


def test_in_mmaction_pipeline(video_file):
    cfgs = [
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 32)),
        dict(type='CenterCrop', crop_size=32),
        dict(type='MoTERandomGrayscale', p=1.0),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]
    results = dict(filename=video_file, start_index=0, modality='RGB')
    for cfg in cfgs:
        results = TRANSFORMS.build(cfg)(results)
    inputs = results['inputs']
    assert tuple(inputs.shape) == (1, 3, 8, 32, 32)
    assert (inputs[:, 0] == inputs[:, 1]).all()
    assert (inputs[:, 0] == inputs[:, 2]).all()
