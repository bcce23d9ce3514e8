# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEScoreCheckHook``: NaN/inf test scores stop the test, naming the
videos."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from mote_mmaction.engine.hooks.score_check_hook import NonFiniteScoreError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def test_nan_scores_stop_the_test_naming_videos(motion_dataset,
                                                motion_test_cfg):
    runner = Runner.from_cfg(motion_test_cfg(
        custom_hooks=[dict(type='MoTEScoreCheckHook', max_listed=2)]))
    runner.test()  # finite: passes
    with torch.no_grad():
        runner.model.backbone.visual.proj.fill_(float('nan'))
    with pytest.raises(NonFiniteScoreError) as info:
        runner.test()
    msg = str(info.value)
    first = open(motion_dataset.val_ann).read().split()[0]
    assert msg.startswith('test: 12 videos got NaN/inf class scores')
    assert osp.join(motion_dataset.root, first) in msg


def test_runner_val_checks_scores_with_the_default_hooks(
        motion_dataset, motion_train_cfg):
    """``Runner.val()`` of a config built on default_runtime.py (no
    tools/test.py involved) stops on NaN scores instead of logging an
    accuracy: the check is one of its default hooks."""
    from mmengine.config import Config
    default_hooks = Config.fromfile(osp.join(
        REPO, 'configs', '_base_', 'default_runtime.py')).default_hooks
    assert default_hooks.score_check.type == 'MoTEScoreCheckHook'
    cfg = motion_train_cfg(
        1, default_hooks=dict(default_hooks, checkpoint=None),
        val_dataloader=_val_loader(motion_dataset),
        val_evaluator=dict(type='AccMetric'), val_cfg=dict(type='ValLoop'))
    runner = Runner.from_cfg(cfg)
    assert runner.val()['acc/top1'] >= 0  # finite: passes
    with torch.no_grad():
        runner.model.backbone.visual.proj.fill_(float('nan'))
    with pytest.raises(NonFiniteScoreError) as info:
        runner.val()
    first = open(motion_dataset.val_ann).read().split()[0]
    assert str(info.value).startswith(
        'val: 12 videos got NaN/inf class scores (first: '
        f'{osp.join(motion_dataset.root, first)}')


def test_zeroshot_hook_checks_its_own_loop(motion_dataset, motion_train_cfg):
    """``MoTEZeroShotEvalHook`` runs its own loop (not the runner's val
    loop): NaN scores there stop it too, naming the set and the video,
    instead of logging a zero-shot top-1 of them."""
    from mote_mmaction.engine.hooks import MoTEZeroShotEvalHook
    cfg = motion_train_cfg(1, val_dataloader=_val_loader(motion_dataset),
                           val_evaluator=dict(type='AccMetric'),
                           val_cfg=dict(type='ValLoop'))
    runner = Runner.from_cfg(cfg)
    loader = _val_loader(motion_dataset)
    loader['dataset']['class_names'] = ['going up', 'going down', 'a', 'b']
    hook = MoTEZeroShotEvalHook(datasets=[dict(name='novel',
                                               dataloader=loader)])
    metrics = {'acc/top1': 0.5}
    hook.after_val_epoch(runner, metrics)  # finite: adds its numbers
    assert 'zeroshot/novel/top1' in metrics
    with torch.no_grad():
        runner.model.backbone.visual.proj.fill_(float('nan'))
    with pytest.raises(NonFiniteScoreError) as info:
        hook.after_val_epoch(runner, {'acc/top1': 0.5})
    first = open(motion_dataset.val_ann).read().split()[0]
    assert str(info.value).startswith(
        "zero-shot 'novel': 12 videos got NaN/inf class scores (first: "
        f'{osp.join(motion_dataset.root, first)}')
    # the training vocabulary is back after the error
    assert runner.model.cls_head.eval_class_names is None


def _val_loader(ds) -> dict:
    from mote_mmaction.testing import tiny_video_pipeline
    return dict(
        batch_size=4, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='MoTEVideoDataset', ann_file=ds.val_ann,
                     data_prefix=ds.data_prefix, class_names=ds.class_file,
                     test_mode=True, pipeline=tiny_video_pipeline()))
