# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEScoreCheckHook``: NaN/inf test scores stop the test, naming the
videos."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mote_mmaction.engine.hooks.score_check_hook import NonFiniteScoreError
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


def test_nan_scores_stop_the_test_naming_videos(motion_dataset, tmp_path):
    cfg = Config(dict(
        default_scope='mmaction',
        model=tiny_mote_model_cfg(motion_dataset.classes, num_layers=1),
        work_dir=str(tmp_path),
        test_dataloader=dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='MoTEVideoDataset',
                         ann_file=motion_dataset.val_ann,
                         data_prefix=motion_dataset.data_prefix,
                         class_names=motion_dataset.classes, test_mode=True,
                         pipeline=tiny_video_pipeline())),
        test_evaluator=dict(type='AccMetric'), test_cfg=dict(type='TestLoop'),
        custom_hooks=[dict(type='MoTEScoreCheckHook', max_listed=2)],
        log_level='WARNING'))
    runner = Runner.from_cfg(cfg)
    runner.test()  # finite: passes
    with torch.no_grad():
        runner.model.backbone.visual.proj.fill_(float('nan'))
    with pytest.raises(NonFiniteScoreError) as info:
        runner.test()
    msg = str(info.value)
    first = open(motion_dataset.val_ann).read().split()[0]
    assert msg.startswith('test: 12 videos got NaN/inf class scores')
    assert osp.join(motion_dataset.root, first) in msg
