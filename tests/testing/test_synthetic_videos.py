# Copyright (c) OpenMMLab. All rights reserved.
"""Generated motion clips: files, MMAction2 decoding, determinism, and that
only the order of the frames (not a single frame) tells the classes
apart."""
import filecmp
import os.path as osp
import runpy
import sys
import time
import warnings

import decord
import numpy as np
import pytest
from mmaction.datasets import VideoDataset
from mmaction.registry import TRANSFORMS

from mote_mmaction.testing.synthetic_videos import (
    MOTION_CLASSES, canonical_motion, generate_motion_dataset, main,
    motion_to_snake, render_motion_frames, write_motion_clip)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PAIRS = [('moving left', 'moving right'), ('moving up', 'moving down'),
         ('growing', 'shrinking'),
         ('rotating clockwise', 'rotating counterclockwise')]


def pipeline_cfg():
    return [
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 32)),
        dict(type='CenterCrop', crop_size=32),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


def load_clip(path):
    """Decode one file through the MMAction2 pipeline -> [T, H, W, 3]."""
    results = dict(filename=path, start_index=0, modality='RGB')
    for cfg in pipeline_cfg():
        results = TRANSFORMS.build(cfg)(results)
    inputs = results['inputs']
    assert tuple(inputs.shape) == (1, 3, 8, 32, 32)
    return inputs[0].permute(1, 2, 3, 0).numpy()


def frame_features(frame):
    """Foreground centroid (x, y), area and doubled orientation angle."""
    pixels = frame.astype(np.int32)
    background = np.median(pixels.reshape(-1, 3), axis=0)
    mask = np.abs(pixels - background).sum(-1) > 75
    ys, xs = np.nonzero(mask)
    assert len(xs) > 0, 'no foreground found'
    cx, cy = xs.mean(), ys.mean()
    mxx = ((xs - cx)**2).mean()
    myy = ((ys - cy)**2).mean()
    mxy = ((xs - cx) * (ys - cy)).mean()
    two_theta = np.arctan2(2 * mxy, mxx - myy)
    return np.array([cx, cy, mask.sum(), np.cos(two_theta), np.sin(two_theta)])


def clip_features(frames):
    return np.stack([frame_features(f) for f in frames])


def orientation(features):
    """Unwrapped orientation (radians; increasing = clockwise on screen)."""
    return np.unwrap(np.arctan2(features[:, 4], features[:, 3])) / 2


def motion_summary(features):
    """Order-aware features: change of x, y, area and orientation."""
    delta = features[-1, :3] - features[0, :3]
    turn = orientation(features)[-1] - orientation(features)[0]
    return np.array([*delta, turn])


def knn_accuracy(train_x, train_y, test_x, test_y, k):
    mean, std = train_x.mean(0), train_x.std(0) + 1e-9
    a, b = (train_x - mean) / std, (test_x - mean) / std
    dist = ((b[:, None] - a[None])**2).sum(-1)
    votes = train_y[np.argsort(dist, axis=1)[:, :k]]
    pred = np.array([
        np.bincount(v, minlength=len(MOTION_CLASSES)).argmax() for v in votes
    ])
    return float((pred == test_y).mean())


def test_catalogue():
    assert len(MOTION_CLASSES) == len(set(MOTION_CLASSES)) == 8
    assert {m for pair in PAIRS for m in pair} == set(MOTION_CLASSES)
    assert canonical_motion('Moving_Left ') == 'moving left'
    assert motion_to_snake('rotating counterclockwise') == \
        'rotating_counterclockwise'
    with pytest.raises(KeyError, match='unknown motion'):
        canonical_motion('jumping')
    with pytest.raises(ValueError, match='extension'):
        write_motion_clip('clip.gif', 'growing')


def test_dataset_files(motion_dataset):
    ds = motion_dataset
    with open(ds.class_file) as f:
        assert f.read().splitlines() == ds.classes
    for split, ann in (('train', ds.train_ann), ('val', ds.val_ann)):
        assert ann == osp.join(ds.root, f'{split}.txt')
        assert osp.isfile(osp.join(ds.root, f'{split}_classes.txt'))
        with open(ann) as f:
            lines = [line.split() for line in f.read().splitlines()]
        assert len(lines) == len(ds.classes) * ds.videos_per_class
        for rel, label in lines:
            assert rel.startswith(f'videos/{split}/') and not osp.isabs(rel)
            name = ds.classes[int(label)]
            assert osp.basename(rel).rsplit('_', 1)[0] == \
                motion_to_snake(name)
            reader = decord.VideoReader(osp.join(ds.root, rel))
            assert len(reader) == ds.num_frames
            assert reader[0].shape == (ds.size[1], ds.size[0], 3)
            assert reader.get_avg_fps() == pytest.approx(8)


def test_video_dataset_pipeline(motion_dataset):
    ds = motion_dataset
    dataset = VideoDataset(
        ann_file=ds.val_ann,
        pipeline=pipeline_cfg(),
        data_prefix=ds.data_prefix,
        test_mode=True)
    assert len(dataset) == len(ds.classes) * ds.videos_per_class
    labels = []
    for i in range(len(dataset)):
        item = dataset[i]
        assert tuple(item['inputs'].shape) == (1, 3, 8, 32, 32)
        labels.append(int(item['data_samples'].gt_label))
    expected = [
        c for c in range(len(ds.classes)) for _ in range(ds.videos_per_class)
    ]
    assert labels == expected


def test_video_file_fixture(video_file):
    clip = load_clip(video_file)
    assert clip.dtype == np.uint8
    # 'moving left': the foreground drifts left
    assert motion_summary(clip_features(clip))[0] < -3


def test_deterministic_and_seeded(tmp_path):
    classes = ['growing', 'moving up']
    for name in ('a', 'b'):
        generate_motion_dataset(
            str(tmp_path / name), classes, 2, 'train', seed=5)
    generate_motion_dataset(str(tmp_path / 'c'), classes, 2, 'train', seed=6)
    generate_motion_dataset(str(tmp_path / 'a'), classes, 2, 'test', seed=5)
    for i in range(2):
        rel = f'videos/train/growing_{i}.mp4'
        assert filecmp.cmp(
            tmp_path / 'a' / rel, tmp_path / 'b' / rel, shallow=False)
        same = load_clip(str(tmp_path / 'a' / rel))
        np.testing.assert_array_equal(same,
                                      load_clip(str(tmp_path / 'b' / rel)))
        other_seed = load_clip(str(tmp_path / 'c' / rel))
        other_split = load_clip(
            str(tmp_path / 'a' / f'videos/test/growing_{i}.mp4'))
        assert np.abs(same.astype(int) - other_seed).mean() > 5
        assert np.abs(same.astype(int) - other_split).mean() > 5
    clip0 = render_motion_frames('growing', seed=0)
    np.testing.assert_array_equal(clip0,
                                  render_motion_frames('growing', seed=0))
    assert not np.array_equal(clip0, render_motion_frames('growing', seed=1))


@pytest.mark.parametrize('ext,fourcc', [('mp4', None), ('avi', None),
                                        ('avi', 'XVID'), ('mkv', None),
                                        ('webm', None)])
def test_containers_decode(tmp_path, ext, fourcc):
    if ext == 'webm':
        pytest.importorskip('av')
    path = str(tmp_path / 'sub' / f'clip.{ext}')
    write_motion_clip(
        path,
        'rotating clockwise',
        num_frames=12,
        size=(96, 64),
        fps=10,
        seed=3,
        fourcc=fourcc)
    reader = decord.VideoReader(path)
    assert len(reader) == 12
    assert reader.get_avg_fps() == pytest.approx(10)
    decoded = reader.get_batch(list(range(12))).asnumpy()
    assert decoded.shape == (12, 64, 96, 3)
    rendered = render_motion_frames('rotating clockwise', 12, (96, 64), 3)
    assert np.abs(decoded.astype(int) - rendered).mean() < 8
    assert load_clip(path).shape == (8, 32, 32, 3)


@pytest.mark.parametrize('pair', PAIRS)
def test_partner_class_is_the_time_reversal(pair):
    """Same seed: the partner clip shows the same shapes in reverse order,
    so the set of frames is shared and only their order differs."""
    forward = render_motion_frames(pair[0], seed=7)
    backward = render_motion_frames(pair[1], seed=7)[::-1]
    for a, b in zip(forward, backward):
        fa, fb = frame_features(a), frame_features(b)
        assert np.abs(fa[:2] - fb[:2]).max() < 0.5
        assert abs(fa[2] - fb[2]) < 0.05 * fa[2]


def test_order_sets_direction_through_pipeline(tmp_path):
    """Reversing a decoded 'moving left' clip gives a 'moving right' one;
    the same holds for every pair and its own statistic."""
    stat = {
        'moving left': 0,
        'moving up': 1,
        'growing': 2,
        'rotating clockwise': 3
    }
    expected_sign = {
        'moving left': -1,
        'moving up': -1,
        'growing': 1,
        'rotating clockwise': 1
    }
    for first, second in PAIRS:
        for seed in (0, 1):
            clips = {}
            for motion in (first, second):
                path = str(tmp_path / f'{motion_to_snake(motion)}_{seed}.mp4')
                write_motion_clip(path, motion, seed=seed)
                clips[motion] = load_clip(path)
            k, sign = stat[first], expected_sign[first]
            forward = motion_summary(clip_features(clips[first]))[k]
            reversed_ = motion_summary(clip_features(clips[first][::-1]))[k]
            partner = motion_summary(clip_features(clips[second]))[k]
            assert np.sign(forward) == sign
            assert np.sign(reversed_) == np.sign(partner) == -sign


def test_single_frames_do_not_reveal_the_class():
    """A k-NN on single-frame appearance (foreground position, area,
    orientation) is near chance over the 8 classes, while the same
    features' changes over the clip classify every clip."""
    clips_per_class, num_frames = 12, 8
    frame_x, frame_y, clip_x, clip_y, split = [], [], [], [], []
    for label, motion in enumerate(MOTION_CLASSES):
        for i in range(clips_per_class):
            frames = render_motion_frames(
                motion, num_frames, seed=100 * label + i)
            feats = clip_features(frames)
            frame_x.extend(feats)
            frame_y.extend([label] * num_frames)
            split.extend([i % 2] * num_frames)
            clip_x.append(motion_summary(feats))
            clip_y.append(label)
    frame_x, frame_y, split = map(np.array, (frame_x, frame_y, split))
    clip_x, clip_y = np.array(clip_x), np.array(clip_y)
    train, test = split == 0, split == 1
    single = knn_accuracy(
        frame_x[train], frame_y[train], frame_x[test], frame_y[test], k=15)
    half = np.arange(len(clip_y)) % 2 == 0
    temporal = knn_accuracy(
        clip_x[half], clip_y[half], clip_x[~half], clip_y[~half], k=1)
    chance = 1 / len(MOTION_CLASSES)
    assert single < chance + 0.12, single
    assert temporal >= 0.95, temporal
    # per pair: the clip-average position and area of the two classes
    # agree within sampling error (4 standard errors)
    per_clip = frame_x[:, :3].reshape(-1, num_frames, 3).mean(1)
    for first, second in PAIRS:
        a = per_clip[clip_y == MOTION_CLASSES.index(first)]
        b = per_clip[clip_y == MOTION_CLASSES.index(second)]
        stderr = np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
        assert (np.abs(a.mean(0) - b.mean(0)) < 4 * stderr).all()


def test_cli_and_speed(tmp_path):
    start = time.perf_counter()
    main([
        str(tmp_path / 'cli'), '--classes', 'growing', 'moving_left',
        '--videos-per-class', '50', '--split', 'train', 'val', '--num-frames',
        '16'
    ])
    elapsed = time.perf_counter() - start
    assert elapsed < 20, f'200 clips took {elapsed:.1f}s'
    with open(tmp_path / 'cli' / 'val_classes.txt') as f:
        assert f.read().splitlines() == ['growing', 'moving left']
    with open(tmp_path / 'cli' / 'val.txt') as f:
        lines = f.read().splitlines()
    assert len(lines) == 100
    assert lines[0] == 'videos/val/growing_0.mp4 0'
    assert lines[-1] == 'videos/val/moving_left_49.mp4 1'


def test_module_entry_point(tmp_path):
    out = tmp_path / 'mod'
    # ``python -m`` in this process (runpy is what ``-m`` runs)
    argv = sys.argv
    sys.argv = ['synthetic_videos', str(out), '--classes', 'shrinking',
                '--videos-per-class', '1']
    try:
        with warnings.catch_warnings():  # the module is already imported
            warnings.simplefilter('ignore', RuntimeWarning)
            runpy.run_module('mote_mmaction.testing.synthetic_videos',
                             run_name='__main__', alter_sys=True)
    finally:
        sys.argv = argv
    assert (out / 'videos' / 'train' / 'shrinking_0.mp4').is_file()
    assert (out / 'train.txt').read_text() == \
        'videos/train/shrinking_0.mp4 0\n'


def test_compositional_class_names():
    from mote_mmaction.testing.synthetic_videos import (canonical_class,
                                                        class_to_snake,
                                                        parse_class_name)
    cls = parse_class_name('Red_Square  moving left')
    assert (cls.colour, cls.shape, cls.motion) == ('red', 'square',
                                                   'moving left')
    assert parse_class_name('growing').colour is None
    turning = parse_class_name('red square turning blue')
    assert (turning.colour, turning.final_colour) == ('red', 'blue')
    assert parse_class_name('small red circle growing').size == 'small'
    assert canonical_class('blue  triangle') == 'blue triangle'
    assert class_to_snake('red square turning blue') == \
        'red_square_turning_blue'
    for bad in ('red square jumping', 'square turning blue', ''):
        with pytest.raises(KeyError):
            parse_class_name(bad)


def test_colour_change_pair_is_the_time_reversal():
    """'red ... turning blue' and 'blue ... turning red': the same colours
    in opposite orders, so only the order tells the pair apart."""
    def object_rgb(frame):
        pixels = frame.reshape(-1, 3).astype(int)
        bg = np.median(pixels, axis=0)
        fg = np.abs(pixels - bg).sum(-1) > 75
        return pixels[fg].mean(0)

    a = render_motion_frames('red square turning blue', 8, seed=4)
    b = render_motion_frames('blue square turning red', 8, seed=4)
    ra, rb = object_rgb(a[0]), object_rgb(b[0])
    assert ra[0] > ra[2] + 100 and rb[2] > rb[0] + 100  # red vs blue first
    last_a = object_rgb(a[-1])
    assert last_a[2] > last_a[0] + 100  # ends blue
    # the clip means agree: a single average frame cannot tell them apart
    np.testing.assert_allclose(
        np.mean([object_rgb(f) for f in a], 0),
        np.mean([object_rgb(f) for f in b], 0), atol=12)


def test_render_still_attributes_and_trail():
    from mote_mmaction.testing.synthetic_videos import render_still
    frame, attrs = render_still('green', 'triangle', seed=3)
    assert frame.shape == (64, 64, 3) and frame.dtype == np.uint8
    assert attrs['colour'] == 'green' and attrs['motion'] is None
    assert attrs['size'] in ('small', 'large')
    sharp, _ = render_still('green', 'triangle', seed=3, motion=None)
    np.testing.assert_array_equal(frame, sharp)
    trailed, t_attrs = render_still(
        'green', 'triangle', seed=3, motion='moving left')
    assert t_attrs['motion'] == 'moving left'
    # the trail adds faint copies: more pixels differ from the background

    def changed(f):
        p = f.reshape(-1, 3).astype(int)
        return (np.abs(p - np.median(p, 0)).sum(-1) > 30).sum()
    assert changed(trailed) > changed(sharp)
    with pytest.raises(KeyError):
        render_still('green', 'hexagon')
