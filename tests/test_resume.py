# Copyright (c) OpenMMLab. All rights reserved.
"""A run killed mid-epoch and resumed ends with the weights of an
uninterrupted run (CPU, fixed seed, deterministic, torch >= 2.6)."""
import os.path as osp

import pytest
import torch
from mmaction.registry import HOOKS
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline
from mote_mmaction.testing.synthetic_videos import (MOTION_CLASSES,
                                                    generate_motion_dataset)


class Killed(RuntimeError):
    pass


@HOOKS.register_module(force=True)
class _KillAtIterHook(Hook):

    def __init__(self, at: int) -> None:
        self.at = at

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at:
            raise Killed(f'killed at iteration {self.at}')


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('resume'))
    generate_motion_dataset(root, list(MOTION_CLASSES[:3]), 2, 'train')
    return root


def make_cfg(root, work_dir, kill_at=None, resume=False):
    # Augmentation RNG lives in dataloader workers that MMEngine reseeds
    # identically each epoch; here it is left out so the test isolates what
    # the checkpoint must restore: weights, optimizer, schedule, sampler
    # order and expert routing.
    pipeline = tiny_video_pipeline()
    classes = [c for c in open(osp.join(root, 'train_classes.txt')).read(
    ).split('\n') if c]
    return Config(
        dict(
            default_scope='mmaction',
            model=tiny_mote_model_cfg(classes, num_layers=2),
            work_dir=work_dir,
            train_dataloader=dict(
                batch_size=2,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='MoTEVideoDataset',
                    ann_file=osp.join(root, 'train.txt'),
                    data_prefix=dict(video=root),
                    class_names=classes,
                    pipeline=pipeline)),
            train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=3),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            param_scheduler=[dict(type='CosineAnnealingLR', T_max=3,
                                  by_epoch=True,
                                  convert_to_iter_based=True)],
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=1),
                logger=dict(type='LoggerHook', interval=1)),
            custom_hooks=[dict(type='MoTERoutingStepHook')] + (
                [] if kill_at is None else
                [dict(type='_KillAtIterHook', at=kill_at)]),
            randomness=dict(seed=7, deterministic=True),
            resume=resume,
            log_level='WARNING'))


def final_state(runner):
    return {k: v.detach().clone() for k, v in runner.model.state_dict().items()}


def test_resume_after_a_mid_epoch_kill_is_exact(data_root, tmp_path):
    full = Runner.from_cfg(make_cfg(data_root, str(tmp_path / 'full')))
    full.train()
    expected = final_state(full)

    work = str(tmp_path / 'killed')
    # 3 iterations per epoch: killed in the middle of epoch 2 (iter 5)
    with pytest.raises(Killed):
        Runner.from_cfg(make_cfg(data_root, work, kill_at=5)).train()
    assert osp.exists(osp.join(work, 'epoch_1.pth'))
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))

    resumed = Runner.from_cfg(make_cfg(data_root, work, resume=True))
    resumed.train()
    got = final_state(resumed)
    assert resumed.iter == full.iter == 9
    for k in expected:
        assert torch.equal(expected[k], got[k]), k
