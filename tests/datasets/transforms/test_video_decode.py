# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEVideoInit``/``MoTEVideoDecode``: sorted decoding returns the frames
of MMAction2's unsorted ``DecordDecode``, every backend returns the same
frames, and bad videos are handled identically with every backend.

torchcodec needs FFmpeg libraries the loader finds when the process
starts; where this process has none, the backend tests run again in a
child pytest with ``LD_LIBRARY_PATH`` set to PyAV's FFmpeg
(:mod:`mote_mmaction.compat.torchcodec_ffmpeg`), as a user
would start training.
"""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from _bad_videos import BROKEN, CLASSES
from _compressed_videos import write_pan_h264
from mmaction.registry import DATASETS, TRANSFORMS
from mmcv.transforms import Compose

from mote_mmaction.datasets.transforms import (MoTEVideoDecode,
                                               MoTEVideoInit, VideoReader)
from mote_mmaction.compat.torchcodec_ffmpeg import \
    link_pyav_ffmpeg
from mote_mmaction.datasets.transforms.video_readers import (
    DecoderUnavailableError, check_backend, open_video)
from mote_mmaction.datasets.video_check import check_video, find_bad_videos
from mote_mmaction.datasets.video_dataset import VideoLoadError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def torchcodec_usable() -> bool:
    try:
        check_backend('torchcodec')
        return True
    except DecoderUnavailableError:
        return False


# MOTE_TEST_BACKENDS: set by the child run of the torchcodec tests
BACKENDS = os.environ.get('MOTE_TEST_BACKENDS', '').split(',') if \
    os.environ.get('MOTE_TEST_BACKENDS') else \
    ['decord', 'pyav'] + (['torchcodec'] if torchcodec_usable() else [])


@pytest.fixture(scope='module')
def h264(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('h264') / 'pan.mp4')
    # frames all differ (a panning texture), keyframe every 8, B-frames
    write_pan_h264(path, num_frames=40, size=(64, 48))
    return path


def run(pipeline, filename, seed=0):
    np.random.seed(seed)
    return Compose([TRANSFORMS.build(t) for t in pipeline])(
        dict(filename=filename, start_index=0, modality='RGB'))


TEST_SAMPLE = dict(
    type='UniformSample', clip_len=8, num_clips=4, test_mode=True)


# ----------------------------------------------------------------------
# sorted decoding = MMAction2's unsorted DecordDecode
@pytest.mark.parametrize('sample', [
    TEST_SAMPLE,
    dict(type='UniformSample', clip_len=8, num_clips=1),
    # more frames than the video: repeated indices
    dict(type='SampleFrames', clip_len=16, frame_interval=3, num_clips=3,
         test_mode=True),
])
def test_sorted_decode_equals_decord_decode(h264, sample):
    ref = run([dict(type='DecordInit'), sample, dict(type='DecordDecode')],
              h264)
    inds = ref['frame_inds']
    for init in (dict(type='MoTEVideoInit'), dict(type='DecordInit')):
        out = run([init, sample, dict(type='MoTEVideoDecode')], h264)
        np.testing.assert_array_equal(out['frame_inds'], inds)
        assert len(out['imgs']) == len(inds) == len(ref['imgs'])
        np.testing.assert_array_equal(np.stack(out['imgs']),
                                      np.stack(ref['imgs']))
        assert out['img_shape'] == out['original_shape'] == (48, 64)
        assert out['video_reader'] is None
    if sample is TEST_SAMPLE:  # clip by clip: not in file order
        assert (np.diff(inds) < 0).any()


class _Spy(VideoReader):
    """Counts what the decoder is asked for."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []
        self.num_frames, self.fps = inner.num_frames, inner.fps

    def read(self, indices):
        self.calls.append(indices.copy())
        return self.inner.read(indices)


def test_each_frame_decoded_once_in_file_order(h264):
    spy = _Spy(open_video(h264, 'decord'))
    inds = np.array([30, 2, 30, 17, 2, 5])
    out = MoTEVideoDecode()(dict(video_reader=spy, frame_inds=inds))
    assert len(spy.calls) == 1
    np.testing.assert_array_equal(spy.calls[0], [2, 5, 17, 30])
    every = open_video(h264, 'decord').read(np.arange(40))
    np.testing.assert_array_equal(np.stack(out['imgs']), every[inds])


def test_out_of_range_and_unknown_backend_are_clear(h264):
    with pytest.raises(IndexError, match='0..40 are out of range for a '
                       'video of 40 frames'):
        MoTEVideoDecode()(
            dict(video_reader=open_video(h264), frame_inds=np.array([0,
                                                                     40])))
    with pytest.raises(ValueError, match="unknown video backend 'nope'"):
        MoTEVideoInit(backend='nope')


# ----------------------------------------------------------------------
# every backend: the same frames, the same bad-video handling
@pytest.mark.parametrize('backend', BACKENDS)
def test_backend_returns_decord_frames(h264, backend):
    ref = run([dict(type='DecordInit'), TEST_SAMPLE,
               dict(type='DecordDecode')], h264)
    out = run([dict(type='MoTEVideoInit', backend=backend), TEST_SAMPLE,
               dict(type='MoTEVideoDecode')], h264)
    assert out['total_frames'] == ref['total_frames'] == 40
    assert out['avg_fps'] == pytest.approx(10.0)
    np.testing.assert_array_equal(out['frame_inds'], ref['frame_inds'])
    # the same decoded pixels (FFmpeg's decoder and RGB conversion)
    np.testing.assert_array_equal(np.stack(out['imgs']), np.stack(
        ref['imgs']))


def build(vids, ann, test_mode, backend, **kw):
    pipeline = [
        dict(type='MoTEVideoInit', backend=backend),
        dict(type='UniformSample', clip_len=4, num_clips=1,
             test_mode=test_mode),
        dict(type='MoTEVideoDecode'),
        dict(type='Resize', scale=(-1, 32)),
        dict(type='CenterCrop', crop_size=32),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]
    return DATASETS.build(
        dict(type='MoTEVideoDataset', ann_file=vids.lists[ann],
             data_prefix=dict(video=vids.root), pipeline=pipeline,
             class_names=CLASSES, test_mode=test_mode, **kw))


@pytest.mark.parametrize('backend', BACKENDS)
def test_bad_videos_same_with_every_backend(vids, backend, tmp_path):
    n_good = len(vids.good)
    # val/test: the first failure stops, naming the file
    ds = build(vids, 'mixed', True, backend)
    assert ds[0]['inputs'].shape[-3:] == (4, 32, 32)
    for i, rel in enumerate(BROKEN):
        with pytest.raises(VideoLoadError,
                           match=f'cannot load {vids.path(rel)} for '
                           'evaluation'):
            ds[n_good + i]
    # opt-in exclusion: the start-up check uses the pipeline's decoder
    ds = build(vids, 'mixed', True, backend, skip_bad_videos=True,
               scan_workers=2)
    assert ds._decoder() == backend
    assert [p for p, _ in ds.excluded] == [vids.path(r) for r in BROKEN]
    # training: replaced, and recorded for the report hook
    ds = build(vids, 'mixed', False, backend)
    ds.bad_video_dir = str(tmp_path / 'records')
    for i in range(len(BROKEN)):
        assert ds[n_good + i]['inputs'].shape[-3:] == (4, 32, 32)
    names = set()
    for record in os.listdir(ds.bad_video_dir):
        with open(osp.join(ds.bad_video_dir, record)) as f:
            names |= {ln.split('\t')[0] for ln in f.read().splitlines()}
    assert {vids.path(r) for r in BROKEN} <= names
    assert names <= {vids.path(r) for r in BROKEN}
    # with only broken files, one error listing them
    ds = build(vids, 'broken', False, backend, max_refetch=3)
    with pytest.raises(VideoLoadError, match='4 training samples in a row'):
        ds[0]


@pytest.mark.parametrize('backend', BACKENDS)
def test_check_videos_same_categories_with_every_backend(vids, backend,
                                                         tmp_path):
    for rel, category in BROKEN.items():
        reason = check_video(vids.path(rel), decoder=backend)
        assert reason is not None and reason.startswith(category), reason
    paths = [vids.path(ln.split()[0]) for ln in vids.good + vids.broken]
    bad = find_bad_videos(paths, workers=2, decoder=backend)
    assert [p for p, _ in bad] == [vids.path(r) for r in BROKEN]
    # tools/data/check_videos.py --decoder (a process pool)
    spec = importlib.util.spec_from_file_location(
        'check_videos', osp.join(REPO, 'tools', 'data', 'check_videos.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = str(tmp_path / 'bad.txt')
    assert tool.main([vids.lists['mixed'], vids.root, '--workers', '2',
                      '--out', out, '--decoder', backend]) == 0
    with open(out) as f:
        rows = [ln.split('\t') for ln in f.read().splitlines()]
    assert rows == [[p, r] for p, r in bad]


# ----------------------------------------------------------------------
# display rotation (phone videos): upright with every backend
def write_rotated(path: str, rotation: int) -> np.ndarray:
    """8 frames of a 64x32 picture (a white band on the left, a grey one on
    top) with ``rotation`` degrees of display rotation; returns the picture
    as it is meant to be seen, ``[H, W, 3]``."""
    import av
    picture = np.zeros((32, 64, 3), np.uint8)
    picture[:, :16] = 255
    picture[:8, 16:] = 128
    with av.open(path, 'w') as container:
        stream = container.add_stream('libx264', rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 32, 'yuv420p'
        stream.set_display_rotation(rotation)
        for _ in range(8):
            frame = av.VideoFrame.from_ndarray(picture, format='rgb24')
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    # display rotation is counter-clockwise
    return np.rot90(picture, round(rotation / 90) % 4)


@pytest.mark.parametrize('rotation', [90, -90, 180])
@pytest.mark.parametrize('backend', BACKENDS)
def test_rotated_clip_is_upright_with_every_backend(backend, rotation,
                                                    tmp_path):
    """A clip with display-rotation metadata decodes to the upright picture
    with every backend (PyAV ignored it: a -90 degree clip came out
    sideways while decord and torchcodec turned it)."""
    path = str(tmp_path / 'rotated.mp4')
    upright = write_rotated(path, rotation)
    out = run([dict(type='MoTEVideoInit', backend=backend),
               dict(type='UniformSample', clip_len=2, num_clips=1,
                    test_mode=True),
               dict(type='MoTEVideoDecode')], path)
    assert out['img_shape'] == upright.shape[:2]
    for img in out['imgs']:
        assert np.abs(img.astype(int) - upright).mean() < 8


# ----------------------------------------------------------------------
# torchcodec with PyAV's FFmpeg (no system FFmpeg)
@pytest.mark.skipif(
    bool(os.environ.get('MOTE_TEST_BACKENDS')), reason='the child run')
def test_torchcodec_backend_with_pyav_ffmpeg(tmp_path):
    if 'torchcodec' in BACKENDS:
        pytest.skip('torchcodec already runs in this process (tested above)')
    assert importlib.util.find_spec('torchcodec') is not None, \
        'torchcodec is a test requirement (requirements/tests.txt)'
    folder = link_pyav_ffmpeg(str(tmp_path / 'ffmpeg'))
    env = dict(os.environ, MOTE_TEST_BACKENDS='torchcodec',
               LD_LIBRARY_PATH=folder)
    res = subprocess.run([
        sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider',
        '--rootdir', REPO, __file__, '-k', 'torchcodec'
    ], env=env, capture_output=True, text=True, cwd=REPO)
    tail = res.stdout[-3000:] + res.stderr[-2000:]
    assert res.returncode == 0, tail
    assert '6 passed' in res.stdout, tail
