# Copyright (c) OpenMMLab. All rights reserved.
"""Bad videos in training (substituted, counted, logged once) and in
val/test (never substituted), with real and deliberately broken files."""
import os.path as osp
import pickle

import pytest
from mmaction.registry import DATASETS
from mmengine.config import Config
from mmengine.runner import Runner

from mote_mmaction.datasets.video_check import check_video, find_bad_videos
from mote_mmaction.datasets.video_dataset import VideoLoadError
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline
from mote_mmaction.utils.synthetic_videos import (MOTION_CLASSES,
                                                  generate_motion_dataset)

CLASSES = list(MOTION_CLASSES[:3])
BROKEN = ('videos/missing.mp4', 'videos/empty.mp4', 'videos/truncated.mp4',
          'videos/not_a_video.mp4')


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp('bad')
    ann, _ = generate_motion_dataset(str(root), CLASSES, 2, 'train')
    good = open(ann).read().splitlines()
    (root / 'videos').mkdir(exist_ok=True)
    (root / 'videos' / 'empty.mp4').write_bytes(b'')
    real = open(root / good[0].split()[0], 'rb').read()
    (root / 'videos' / 'truncated.mp4').write_bytes(real[:len(real) // 2])
    (root / 'videos' / 'not_a_video.mp4').write_text('hello, I am text\n')
    bad = [f'{p} {i % 3}' for i, p in enumerate(BROKEN)]
    (root / 'mixed.txt').write_text('\n'.join(good + bad) + '\n')
    (root / 'good.txt').write_text('\n'.join(good) + '\n')
    return dict(root=str(root), n_good=len(good))


def dataset_cfg(root, ann, test_mode, **kw):
    return dict(type='MoTEVideoDataset', ann_file=osp.join(root, ann),
                data_prefix=dict(video=root), class_names=CLASSES,
                pipeline=tiny_video_pipeline(), test_mode=test_mode, **kw)


def test_check_video_reasons(data):
    root = data['root']
    reasons = {p: check_video(osp.join(root, p)) for p in BROKEN}
    assert reasons['videos/missing.mp4'] == 'missing file'
    assert 'empty' in reasons['videos/empty.mp4']
    assert reasons['videos/truncated.mp4'] is not None
    assert reasons['videos/not_a_video.mp4'] is not None
    good = open(osp.join(root, 'good.txt')).read().split()[0]
    assert check_video(osp.join(root, good)) is None
    bad = find_bad_videos([osp.join(root, p) for p in BROKEN] +
                          [osp.join(root, good)], workers=2)
    assert [osp.basename(p) for p, _ in bad] == [
        'missing.mp4', 'empty.mp4', 'truncated.mp4', 'not_a_video.mp4']


def test_val_never_substitutes(data):
    ds = DATASETS.build(dataset_cfg(data['root'], 'mixed.txt', True))
    assert len(ds) == data['n_good'] + 4
    ds[0]  # a good one loads
    with pytest.raises(VideoLoadError, match='missing.mp4'):
        ds[data['n_good']]


def test_label_out_of_range_names_file_and_line(data, tmp_path):
    ann = tmp_path / 'labels.txt'
    ann.write_text('a.mp4 0\nb.mp4 7\n')
    with pytest.raises(ValueError, match=r'labels.txt line 2: label 7'):
        DATASETS.build(dataset_cfg(data['root'], str(ann), True))


def test_missing_class_name_file(data):
    cfg = dataset_cfg(data['root'], 'good.txt', True)
    cfg['class_names'] = osp.join(data['root'], 'no_such_names.txt')
    with pytest.raises(FileNotFoundError, match='no_such_names.txt'):
        DATASETS.build(cfg)


def runner_cfg(root, work_dir, train_ann, val_ann, skip=False):
    return Config(
        dict(
            default_scope='mmaction',
            model=tiny_mote_model_cfg(CLASSES, num_layers=1),
            work_dir=work_dir,
            train_dataloader=dict(
                batch_size=2, num_workers=2, persistent_workers=True,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dataset_cfg(root, train_ann, False)),
            val_dataloader=dict(
                batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dataset_cfg(root, val_ann, True,
                                    skip_bad_videos=skip)),
            val_evaluator=[
                dict(type='AccMetric'),
                dict(type='DumpResults',
                     out_file_path=osp.join(work_dir, 'val.pkl'))
            ],
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=2),
            val_cfg=dict(type='ValLoop'),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            custom_hooks=[dict(type='MoTEBadVideoReportHook'),
                          dict(type='MoTENaNGuardHook')],
            randomness=dict(seed=0),
            log_level='INFO'))


def test_training_survives_bad_videos_and_counts_them(data, tmp_path):
    work = str(tmp_path / 'train')
    runner = Runner.from_cfg(
        runner_cfg(data['root'], work, 'mixed.txt', 'good.txt'))
    runner.train()  # 10 samples per epoch, 4 of them unreadable
    assert runner.epoch == 2
    counts = runner.message_hub.get_scalar('train/bad_videos').data[0]
    # every epoch visits the 4 broken entries once, plus any broken
    # replacement drawn for them: at least 4 failures per epoch
    assert all(c >= 4 for c in counts) and len(counts) == 2
    log = open(next(iter(
        __import__('glob').glob(osp.join(work, '*', '*.log'))))).read()
    for name in ('missing.mp4', 'empty.mp4', 'truncated.mp4',
                 'not_a_video.mp4'):
        # logged once by the hook with its reason
        assert log.count(f'unreadable video {osp.join(data["root"], "videos", name)}') == 1


def test_val_opt_in_excludes_and_reports(data, tmp_path):
    work = str(tmp_path / 'val')
    cfg = runner_cfg(data['root'], work, 'good.txt', 'mixed.txt', skip=True)
    cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.message_hub.get_scalar(
        'val/excluded_videos').current() == 4
    with open(osp.join(work, 'val.pkl'), 'rb') as f:
        assert len(pickle.load(f)) == data['n_good']  # good videos only
    assert runner.val_dataloader.dataset.excluded[0][1] == 'missing file'


def test_val_default_stops_with_the_file_name(data, tmp_path):
    cfg = runner_cfg(data['root'], str(tmp_path / 'stop'), 'good.txt',
                     'mixed.txt')
    cfg.train_cfg.max_epochs = 1
    with pytest.raises(VideoLoadError, match='missing.mp4'):
        Runner.from_cfg(cfg).train()
