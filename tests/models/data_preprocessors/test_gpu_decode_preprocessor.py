# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEGPUDecodePreprocessor`` on the CPU: the batches of the GPU path
equal the CPU pipelines' (configs/mote/k400.py vs k400_gpu_decode.py), the
decoder gets each frame once in file order, and the errors are clear.

The device is a parameter of the code; here decord and torchcodec's CPU
decoder (in a child process with PyAV's FFmpeg, see test_video_decode.py)
stand in for NVDEC. The CUDA test runs where a GPU exists.
"""
import os
import random
import subprocess
import sys

import numpy as np
import pytest
import torch
from _compressed_videos import write_pan_h264
from mmaction.registry import MODELS, TRANSFORMS
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mote_mmaction.compat.torchcodec_ffmpeg import \
    link_pyav_ffmpeg
from mote_mmaction.datasets.transforms.video_readers import (
    DecoderUnavailableError, check_backend, open_video)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
MEAN, STD = [122.771, 116.746, 104.093], [68.5, 66.632, 70.323]
# MOTE_TEST_DECODER: set by the child run with torchcodec
DECODER = os.environ.get('MOTE_TEST_DECODER', 'decord')


@pytest.fixture(scope='module')
def clip(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('gpu_decode') / 'pan.mp4')
    write_pan_h264(path)
    return path


@pytest.fixture(scope='module')
def cfgs():
    return Config.fromfile(os.path.join(REPO, 'configs/mote/k400.py')), \
        Config.fromfile(os.path.join(REPO, 'configs/mote/k400_gpu_decode.py'))


def run(pipeline, filename, seed):
    random.seed(seed)
    np.random.seed(seed)
    return Compose([TRANSFORMS.build(t) for t in pipeline])(
        dict(filename=filename, start_index=0, modality='RGB', label=0))


def preprocessor(**kw):
    return MODELS.build(dict(type='MoTEGPUDecodePreprocessor',
                             decoder=DECODER, decode_device=None, mean=MEAN,
                             std=STD, format_shape='NCTHW', **kw))


def gpu_views(cfg, split, clip, seed=0):
    """The GPU path's ``[V, 3, T, H, W]`` uint8 views of one sample."""
    packed = run(cfg[split], clip, seed)
    return preprocessor().decode_views(packed['inputs'],
                                       packed['data_samples'].metainfo)


@pytest.mark.parametrize('split', ['val_pipeline', 'test_pipeline'])
def test_test_views_equal_cpu_pipeline(clip, cfgs, split):
    cpu_cfg, gpu_cfg = cfgs
    ref = run(cpu_cfg[split], clip, 0)['inputs']  # [V, 3, T, 224, 224]
    out = gpu_views(gpu_cfg, split, clip)
    assert out.shape == ref.shape == (
        (12 if split == 'test_pipeline' else 1, 3, 8, 224, 224))
    assert out.dtype == torch.uint8
    # the views in the same order; the resize is torch's antialiased
    # bicubic against PIL's: within 2 levels, nearly all equal
    diff = (out.int() - ref.int()).abs()
    assert diff.max() <= 2, diff.max()
    assert (diff == 0).float().mean() > 0.9
    # a view shifted by one clip or crop is far off (the test bites)
    if split == 'test_pipeline':
        assert (out[1:].int() - ref[:-1].int()).abs().float().mean() > 10


def test_train_views_equal_lazy_cpu_pipeline(clip, cfgs):
    """Same draws as the CPU pipeline; pixels of MMAction2's ``Fuse`` of
    the same lazy ops (crop, one bilinear resize, flip) + grayscale."""
    cpu_cfg, gpu_cfg = cfgs
    lazy_cpu = [dict(type='MoTEVideoInit'), gpu_cfg.train_pipeline[1],
                dict(type='MoTEVideoDecode'),
                *gpu_cfg.train_pipeline[2:6],
                dict(type='Fuse'),
                dict(type='MoTERandomGrayscale', p=0.2),
                dict(type='FormatShape', input_format='NCTHW'),
                dict(type='PackActionInputs')]
    seen = set()
    for seed in range(8):
        ref = run(lazy_cpu, clip, seed)
        out = gpu_views(gpu_cfg, 'train_pipeline', clip, seed)
        assert out.shape == ref['inputs'].shape == (1, 3, 8, 224, 224)
        diff = (out.int() - ref['inputs'].int()).abs()
        # cv2's fixed-point bilinear vs torch's float bilinear
        assert diff.max() <= 1, (seed, diff.max())
        # the non-lazy pipeline (bicubic to 256, crop, bilinear to 224)
        # shows the same region: far closer than another draw's crop

        def gap(s):
            plain = run(cpu_cfg.train_pipeline, clip, s)['inputs']
            return (out.float() - plain.float()).abs().mean()
        assert gap(seed) < 0.6 * gap(seed + 100), (gap(seed), gap(seed + 100))
        meta = run(gpu_cfg.train_pipeline, clip,
                   seed)['data_samples'].metainfo['view_plan']
        seen.add((meta['flip'], meta['grayscale']))
    assert {f for f, _ in seen} == {True, False}


def test_each_frame_decoded_once_in_sorted_order(clip, monkeypatch):
    calls = []
    pre = preprocessor()
    if DECODER == 'torchcodec':
        real = pre._decode_torchcodec

        def spy(data, unique, name):
            calls.append(unique.copy())
            return real(data, unique, name)
        monkeypatch.setattr(pre, '_decode_torchcodec', spy)
    else:
        from mote_mmaction.models.data_preprocessors import \
            gpu_decode_preprocessor as mod
        real = mod.open_video

        def spied(*args, **kwargs):
            reader = real(*args, **kwargs)
            read = reader.read

            def read_spy(unique):
                calls.append(unique.copy())
                return read(unique)

            reader.read = read_spy
            return reader
        monkeypatch.setattr(mod, 'open_video', spied)
    with open(clip, 'rb') as f:
        data = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)
    inds = np.array([30, 2, 30, 17, 2, 5, 47])
    frames = pre.decode(data, inds, 'pan.mp4')
    assert len(calls) == 1
    np.testing.assert_array_equal(calls[0], [2, 5, 17, 30, 47])
    every = open_video(clip, 'decord').read(np.arange(48))
    np.testing.assert_array_equal(frames.permute(0, 2, 3, 1).numpy(),
                                  every[inds])
    with pytest.raises(IndexError, match='cannot decode pan.mp4: frame '
                       'indices 0..48 are out of range for a video of 48'):
        pre.decode(data, np.array([0, 48]), 'pan.mp4')


def test_batch_normalised_like_action_preprocessor(clip, cfgs):
    """The whole forward: a batch of 2 test samples = the CPU pipeline's
    batch through ActionDataPreprocessor (within the resize tolerance)."""
    cpu_cfg, gpu_cfg = cfgs
    gpu = pseudo_collate([run(gpu_cfg.val_pipeline, clip, 0)] * 2)
    cpu = pseudo_collate([run(cpu_cfg.val_pipeline, clip, 0)] * 2)
    out = preprocessor()(gpu, training=False)
    ref = MODELS.build(cpu_cfg.model.data_preprocessor)(cpu, training=False)
    assert out['inputs'].shape == ref['inputs'].shape == (2, 1, 3, 8, 224,
                                                          224)
    assert (out['inputs'] - ref['inputs']).abs().max() <= 2 / 66.6 + 1e-5
    assert out['data_samples'][0].gt_label.item() == 0


def test_errors(clip, monkeypatch):
    # a CPU batch given to the GPU path
    with pytest.raises(TypeError, match='pan.mp4: GPU decoding expects '
                       "the file's bytes"):
        preprocessor().decode_views(
            torch.zeros(1, 3, 8, 4, 4, dtype=torch.uint8),
            dict(filename='pan.mp4', frame_inds=[0], view_plan={}))
    # a file whose header reads but whose frames do not: named
    with open(clip, 'rb') as f:
        head = f.read()
    cut = torch.frombuffer(bytearray(head[:len(head) // 3]),
                           dtype=torch.uint8)
    with pytest.raises(Exception, match='pan.mp4'):
        preprocessor().decode(cut, np.arange(40, 48), 'pan.mp4')


@pytest.mark.skipif(bool(os.environ.get('MOTE_TEST_DECODER')),
                    reason='the child run')
def test_no_cuda_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(RuntimeError, match='GPU decoding needs a CUDA '
                       'device and none is available here'):
        MODELS.build(dict(type='MoTEGPUDecodePreprocessor', mean=MEAN,
                          std=STD, format_shape='NCTHW'))
    # the shipped config fails the same way when its model is built
    cfg = Config.fromfile(os.path.join(REPO,
                                       'configs/mote/k400_gpu_decode.py'))
    with pytest.raises(RuntimeError, match='needs a CUDA device'):
        MODELS.build(cfg.model.data_preprocessor)
    import torchcodec
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torchcodec, '__version__', '0.17.0+cpu')
    with pytest.raises(RuntimeError, match=r'0.17.0\+cpu is a CPU-only'):
        MODELS.build(cfg.model.data_preprocessor)
    with pytest.raises(ValueError, match="decoder 'decord' decodes on the "
                       'CPU'):
        MODELS.build(dict(type='MoTEGPUDecodePreprocessor', mean=MEAN,
                          std=STD, format_shape='NCTHW', decoder='decord'))


def _torchcodec_here() -> bool:
    try:
        check_backend('torchcodec')
        return True
    except DecoderUnavailableError:
        return False


@pytest.mark.skipif(bool(os.environ.get('MOTE_TEST_DECODER')),
                    reason='the child run')
def test_torchcodec_cpu_decoder_stands_in(tmp_path):
    """The tests above with torchcodec decoding (device='cpu'), in a
    child with PyAV's FFmpeg on LD_LIBRARY_PATH."""
    env = dict(os.environ, MOTE_TEST_DECODER='torchcodec')
    if not _torchcodec_here():
        env['LD_LIBRARY_PATH'] = link_pyav_ffmpeg(str(tmp_path / 'ffmpeg'))
    res = subprocess.run([
        sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
        '--rootdir', REPO, __file__, '-k',
        'equal or decoded_once or normalised or errors'
    ], env=env, capture_output=True, text=True, cwd=REPO)
    tail = res.stdout[-3000:] + res.stderr[-2000:]
    assert res.returncode == 0, tail
    assert '6 passed' in res.stdout, tail


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason='needs a CUDA GPU (NVDEC); run in '
                    'tools/analysis/gpu_check.sh where one is lent')
def test_cuda_decoding_equals_cpu(clip, cfgs):
    cpu_cfg, gpu_cfg = cfgs
    packed = run(gpu_cfg.test_pipeline, clip, 0)
    pre = MODELS.build(gpu_cfg.model.data_preprocessor).cuda()
    out = pre.decode_views(packed['inputs'], packed['data_samples'].metainfo)
    assert out.is_cuda
    ref = run(cpu_cfg.test_pipeline, clip, 0)['inputs']
    # NVDEC's YUV->RGB conversion may differ from swscale's by a few levels
    assert (out.cpu().float() - ref.float()).abs().mean() < 3
