# Copyright (c) OpenMMLab. All rights reserved.
"""A run killed mid-epoch and resumed ends with the weights (and optimizer
state) of an uninterrupted run (CPU, deterministic, torch >= 2.6)."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mote_mmaction  # noqa: F401
from _resume_worker import _CountItersHook
from mote_mmaction.testing import tiny_mote_model_cfg
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('resume'))
    generate_motion_dataset(root, list(MOTION_CLASSES[:3]), 2, 'train')
    return root


def final_state(runner):
    return {k: v.detach().clone()
            for k, v in runner.model.state_dict().items()}


# The shipped configs' setting: random augmentation, 2 persistent workers,
# MoTESeededSampler + MoTEResumeHook; a real SIGKILL mid-epoch, then resume
# from the epoch checkpoint and from the iteration checkpoint.
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
ITERS_PER_EPOCH, EPOCHS, KILL_AT = 3, 3, 5  # killed in epoch 2 of 3


def augmenting_pipeline():
    """Every random transform of k400.py's training pipeline (frame
    offsets, crop, flip, grayscale), at 32 px."""
    return [
        dict(type='DecordInit'),
        dict(type='UniformSample', clip_len=4, num_clips=1),
        dict(type='DecordDecode'),
        dict(type='Resize', scale=(-1, 40)),
        dict(type='RandomResizedCrop', area_range=(0.3, 1.0)),
        dict(type='Resize', scale=(32, 32), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='MoTERandomGrayscale', p=0.5),
        dict(type='FormatShape', input_format='NCTHW'),
        dict(type='PackActionInputs')
    ]


def make_aug_cfg(root, work_dir, seed=7, resume_from=None, hooks=()):
    classes = [c for c in open(osp.join(root, 'train_classes.txt')).read(
    ).split('\n') if c]
    return Config(
        dict(
            default_scope='mmaction',
            model=tiny_mote_model_cfg(classes, num_layers=2),
            work_dir=work_dir,
            train_dataloader=dict(
                batch_size=2,
                num_workers=2,
                persistent_workers=True,
                sampler=dict(type='MoTESeededSampler', shuffle=True),
                dataset=dict(
                    type='MoTEVideoDataset',
                    ann_file=osp.join(root, 'train.txt'),
                    data_prefix=dict(video=root),
                    class_names=classes,
                    pipeline=augmenting_pipeline())),
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=EPOCHS),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            param_scheduler=[dict(type='CosineAnnealingLR', T_max=EPOCHS,
                                  by_epoch=True,
                                  convert_to_iter_based=True)],
            default_hooks=dict(
                checkpoint=dict(type='MoTECheckpointHook', interval=1),
                logger=dict(type='LoggerHook', interval=1),
                resume=dict(type='MoTEResumeHook')),
            custom_hooks=[
                dict(type='MoTERoutingStepHook'),
                dict(type='CheckpointHook', by_epoch=False, interval=1,
                     max_keep_ckpts=2),
                dict(type='_CountItersHook')
            ] + list(hooks),
            randomness=dict(seed=seed, deterministic=True),
            load_from=resume_from,
            resume=resume_from is not None,
            log_level='WARNING'))


def train_and_close(cfg):
    runner = Runner.from_cfg(cfg)
    runner.train()
    # persistent workers otherwise live until garbage collection
    loader = runner.train_dataloader
    if getattr(loader, '_iterator', None) is not None:
        loader._iterator._shutdown_workers()
        loader._iterator = None
    counter = next(h for h in runner.hooks if isinstance(h, _CountItersHook))
    return runner, counter.iters


def optimizer_tensors(runner):
    state = runner.optim_wrapper.state_dict()['state']
    return {(p, k): v for p, s in state.items() for k, v in s.items()}


@pytest.fixture(scope='module')
def uninterrupted(data_root, tmp_path_factory):
    runner, iters = train_and_close(
        make_aug_cfg(data_root, str(tmp_path_factory.mktemp('full'))))
    assert iters == list(range(ITERS_PER_EPOCH * EPOCHS))
    return final_state(runner), optimizer_tensors(runner), \
        runner.optim_wrapper.get_lr()


@pytest.fixture(scope='module')
def killed_work_dir(data_root, tmp_path_factory):
    """The work_dir of the same run, SIGKILLed after iteration KILL_AT's
    checkpoint (persistent workers alive, mid-epoch)."""
    work = str(tmp_path_factory.mktemp('killed'))
    marker = osp.join(work, 'checkpoint_written')
    cfg_file = osp.join(work, 'cfg.py')
    make_aug_cfg(data_root, work, hooks=[
        dict(type='_MarkAndWaitHook', at=KILL_AT, marker=marker)
    ]).dump(cfg_file)
    proc = subprocess.Popen(
        [sys.executable, osp.join(REPO, 'tests', '_resume_worker.py'),
         cfg_file, str(torch.get_num_threads())],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not osp.exists(marker):
            assert proc.poll() is None, proc.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, 'no checkpoint in 240 s'
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        try:  # its dataloader workers, in the session it leads
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        proc.stdout.close()
    return work


def assert_same_end(resumed, iters, uninterrupted):
    weights, optim, lr = uninterrupted
    assert resumed.iter == ITERS_PER_EPOCH * EPOCHS
    got = final_state(resumed)
    for k in weights:
        assert torch.equal(weights[k], got[k]), k
    got_optim = optimizer_tensors(resumed)
    assert got_optim.keys() == optim.keys()
    for k in optim:
        assert torch.equal(optim[k], got_optim[k]), k
    assert resumed.optim_wrapper.get_lr() == lr


def test_sigkill_with_persistent_workers_resumes_exactly_from_epoch_ckpt(
        data_root, killed_work_dir, uninterrupted, tmp_path):
    ckpt = osp.join(killed_work_dir, 'epoch_1.pth')
    assert not osp.exists(osp.join(killed_work_dir, 'epoch_2.pth'))
    resumed, iters = train_and_close(
        make_aug_cfg(data_root, str(tmp_path), resume_from=ckpt))
    # epochs 2 and 3 in fresh workers (the killed run's had run epoch 1)
    assert iters == list(range(ITERS_PER_EPOCH, ITERS_PER_EPOCH * EPOCHS))
    assert_same_end(resumed, iters, uninterrupted)


def test_iteration_ckpt_resumes_mid_epoch_without_replaying(
        data_root, killed_work_dir, uninterrupted, tmp_path):
    ckpt = osp.join(killed_work_dir, f'iter_{KILL_AT}.pth')
    # MMEngine's bookkeeping: an iteration checkpoint holds the epoch in
    # progress (0-based) and the iterations done
    meta = torch.load(ckpt, map_location='cpu', weights_only=False)['meta']
    assert (meta['epoch'], meta['iter']) == (KILL_AT // ITERS_PER_EPOCH,
                                             KILL_AT)
    # no seed in the config (tools/train.py's default): the sampler must
    # take the checkpoint's, not the new process' random one
    resumed, iters = train_and_close(
        make_aug_cfg(data_root, str(tmp_path), seed=None, resume_from=ckpt))
    # only the remaining iteration of epoch 2, then epoch 3
    assert iters == list(range(KILL_AT, ITERS_PER_EPOCH * EPOCHS))
    assert_same_end(resumed, iters, uninterrupted)
