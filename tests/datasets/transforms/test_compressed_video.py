# Copyright (c) OpenMMLab. All rights reserved.
"""Worker side of GPU decoding: the same frame count, frame indices and
augmentation draws as the CPU pipelines of configs/mote/k400.py."""
import random

import numpy as np
import pytest
import torch
from _compressed_videos import write_pan_h264
from mmaction.registry import TRANSFORMS
from mmcv.transforms import Compose
from mmengine.config import Config

from mote_mmaction.datasets.transforms.compressed_video import probe_video
from mote_mmaction.datasets.transforms.video_readers import open_video


@pytest.fixture(scope='module')
def clip(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('gpu_decode') / 'pan.mp4')
    write_pan_h264(path)
    return path


@pytest.fixture(scope='module')
def k400():
    return Config.fromfile('configs/mote/k400.py'), Config.fromfile(
        'configs/mote/k400_gpu_decode.py')


def run(pipeline, filename, seed):
    # MMEngine seeds both (RandomResizedCrop draws from `random`)
    random.seed(seed)
    np.random.seed(seed)
    return Compose([TRANSFORMS.build(t) for t in pipeline])(
        dict(filename=filename, start_index=0, modality='RGB', label=1))


def until(pipeline, name):
    """The pipeline's transforms before the first of type ``name``."""
    types = [t['type'] for t in pipeline]
    return pipeline[:types.index(name)]


def test_probe_matches_decoders(clip):
    with open(clip, 'rb') as f:
        data = f.read()
    frames, fps, h, w = probe_video(data)
    assert (frames, h, w) == (48, 72, 96)
    assert fps == pytest.approx(10.0)
    for backend in ('decord', 'pyav'):
        assert len(open_video(clip, backend)) == frames
    with pytest.raises(Exception):
        probe_video(b'not a video')


def test_train_draws_equal_cpu_pipeline(clip, k400):
    cpu_cfg, gpu_cfg = k400
    cpu = cpu_cfg.train_pipeline
    # up to the packing: the CPU pipeline keeps its pixels, ours its plan
    cpu = until(cpu, 'FormatShape')
    gpu = until(gpu_cfg.train_pipeline, 'MoTEPackVideoBytes')
    cpu_types = [t['type'] for t in cpu]
    flips, grays = set(), set()
    for seed in range(12):
        ref = run(cpu, clip, seed)
        out = run(gpu, clip, seed)
        np.testing.assert_array_equal(out['frame_inds'], ref['frame_inds'])
        assert out['total_frames'] == ref['total_frames'] == 48
        assert out['grayscale'] == ref['grayscale']
        lazy = out['lazy']
        assert lazy['flip'] == ref['flip']
        # the CPU crop, on the short-side-256 frame (before the resize to
        # 224 rescales it), is the lazy crop's region of the decoded frame
        crop = run(cpu[:cpu_types.index('RandomResizedCrop') + 1], clip,
                   seed)
        np.testing.assert_allclose(lazy['crop_bbox'],
                                   crop['crop_bbox'] * 72 / 256, atol=0.5)
        assert out['img_shape'] == ref['img_shape'] == (224, 224)
        flips.add(lazy['flip'])
        grays.add(out['grayscale'])
    assert flips == {True, False} and grays == {True, False}


@pytest.mark.parametrize('split', ['val_pipeline', 'test_pipeline'])
def test_test_views_plan_equals_cpu_views(clip, k400, split):
    cpu_cfg, gpu_cfg = k400
    ref = run(until(cpu_cfg[split], 'FormatShape'), clip, 0)
    out = run(gpu_cfg[split], clip, 0)
    meta = out['data_samples'].metainfo
    np.testing.assert_array_equal(meta['frame_inds'], ref['frame_inds'])
    plan = meta['view_plan']
    num_crops = 3 if split == 'test_pipeline' else 1
    assert plan['num_clips'] * plan['clip_len'] == ref['frame_inds'].size
    assert plan['resize'] == (224, 298)  # short side 224, long truncated
    boxes = np.asarray(ref['crop_bbox']).reshape(-1, 4)
    per_crop = boxes[::len(ref['imgs']) // num_crops]
    assert [(x, y) for x, y in plan['offsets']] == \
        [(int(b[0]), int(b[1])) for b in per_crop]
    assert plan['crop_size'] == 224 and not plan['flip']
    # the inputs are the file itself
    with open(clip, 'rb') as f:
        assert bytes(out['inputs'].numpy()) == f.read()
    assert out['inputs'].dtype == torch.uint8
    assert out['data_samples'].gt_label.item() == 1
