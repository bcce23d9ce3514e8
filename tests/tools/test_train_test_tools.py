# Copyright (c) OpenMMLab. All rights reserved.
"""tools/train.py, tools/test.py and tools/dist_train.sh (gloo) with a
stock MMAction2 recognizer and mote_mmaction loaded (packaging:
tests/test_packaging.py)."""
import glob
import os
import os.path as osp
import pickle
import subprocess
import sys

import pytest
from _inprocess_tools import run_script
from _torchrun import free_port
from mmengine.config import Config
from mmengine.runner import Runner

import mote_mmaction  # noqa: F401
from mote_mmaction.compat.safe_load import load_checkpoint_file
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('tools_data'))
    classes = list(MOTION_CLASSES[:3])
    generate_motion_dataset(root, classes, 2, 'train', seed=0)
    generate_motion_dataset(root, classes, 1, 'val', seed=1)
    return root


def pipeline(test_mode):
    return [
        dict(type='DecordInit'),
        dict(type='SampleFrames', clip_len=1, num_clips=4,
             test_mode=test_mode),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 32)),
        dict(type='CenterCrop', crop_size=32),
        dict(type='FormatShape', input_format='NCHW'),
        dict(type='PackActionInputs')
    ]


def stock_cfg(root, work_dir):
    """A tiny stock MMAction2 TSN (no MoTE part) with mote_mmaction loaded."""

    def loader(split, test_mode):
        return dict(
            batch_size=2, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=not test_mode),
            dataset=dict(type='VideoDataset',
                         ann_file=osp.join(root, f'{split}.txt'),
                         data_prefix=dict(video=root),
                         pipeline=pipeline(test_mode), test_mode=test_mode))

    return dict(
        default_scope='mmaction',
        custom_imports=dict(imports=['mote_mmaction'],
                            allow_failed_imports=False),
        model=dict(
            type='Recognizer2D',
            backbone=dict(type='MobileNetV2', widen_factor=0.25,
                          pretrained=None),
            cls_head=dict(type='TSNHead', num_classes=3, in_channels=1280,
                          average_clips='prob'),
            data_preprocessor=dict(type='ActionDataPreprocessor',
                                   mean=[123.675, 116.28, 103.53],
                                   std=[58.395, 57.12, 57.375],
                                   format_shape='NCHW')),
        work_dir=work_dir,
        train_dataloader=loader('train', False),
        val_dataloader=loader('val', True),
        test_dataloader=loader('val', True),
        val_evaluator=dict(type='AccMetric'),
        test_evaluator=dict(type='AccMetric'),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=2,
                       val_interval=2),
        val_cfg=dict(type='ValLoop'),
        test_cfg=dict(type='TestLoop'),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=1, by_epoch=False)),
        log_level='WARNING')


def write_cfg(data, tmp_path, name='cfg.py'):
    path = tmp_path / name
    Config(stock_cfg(data, str(tmp_path / 'work'))).dump(str(path))
    return str(path)


def run(cmd, **kw):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable,
               **kw.pop('env', {}))
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env=env, timeout=600, **kw)


def top1_from_dump(path):
    """Top-1 accuracy recomputed from ``tools/test.py --dump`` output."""
    with open(path, 'rb') as f:
        preds = pickle.load(f)
    return sum(int(p['pred_score'].argmax()) == int(p['gt_label'])
               for p in preds) / len(preds)


def test_train_and_test_scripts(data, tmp_path):
    """A stock recognizer (mote_mmaction loaded) through the tools: one
    real ``tools/train.py`` process proves the command line; resume and
    test run the same scripts in this process."""
    cfg = write_cfg(data, tmp_path)
    work = str(tmp_path / 'w')
    res = run([sys.executable, 'tools/train.py', cfg, '--work-dir', work,
               '--seed', '3', '--cfg-options', 'train_cfg.max_iters=2'])
    assert res.returncode == 0, res.stderr[-3000:]
    ckpt = osp.join(work, 'iter_2.pth')
    assert load_checkpoint_file(ckpt)['meta']['iter'] == 2
    res = run_script('tools/train.py', cfg, '--work-dir', work, '--resume',
                     '--cfg-options', 'train_cfg.max_iters=3',
                     'experiment_name=resumed')
    assert res.returncode == 0, res.stderr[-3000:]
    resumed = load_checkpoint_file(osp.join(work, 'iter_3.pth'))
    # resumed at 2 (torch >= 2.6 load works): the seed is the first run's
    assert resumed['meta']['iter'] == 3 and resumed['meta']['seed'] == 3

    dump = str(tmp_path / 'preds.pkl')
    res = run_script('tools/test.py', cfg, osp.join(work, 'iter_3.pth'),
                     '--work-dir', work, '--dump', dump,
                     '--cfg-options', 'experiment_name=tested')
    assert res.returncode == 0, res.stderr[-3000:]
    # the same weights evaluated by a Runner of our own score what the
    # dumped predictions of tools/test.py score
    direct = Config.fromfile(cfg)
    direct.work_dir = str(tmp_path / 'direct')
    direct.load_from = osp.join(work, 'iter_3.pth')
    metrics = Runner.from_cfg(direct).test()
    assert metrics['acc/top1'] == pytest.approx(top1_from_dump(dump))

    res = run_script('tools/test.py', cfg, str(tmp_path / 'missing.pth'))
    assert res.returncode != 0 and 'missing.pth' in res.stderr


def test_dist_train_two_cpu_processes(data, tmp_path):
    cfg = write_cfg(data, tmp_path)
    work = str(tmp_path / 'dist')
    res = run(['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work,
               '--cfg-options', 'log_level=INFO'],
              env=dict(PORT=str(free_port())))
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    assert osp.exists(osp.join(work, 'iter_2.pth'))
    log = '\n'.join(open(p).read() for p in glob.glob(
        osp.join(work, '*', '*.log')))
    assert 'Distributed training: True' in log
    assert 'GPU number: 2' in log  # MMEngine's name for the world size
