# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEScoreCheckHook``: NaN/inf test scores stop the test, naming the
videos."""
import os.path as osp

import pytest
import torch
from mmengine.runner import Runner

from mote_mmaction.engine.hooks.score_check_hook import NonFiniteScoreError


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
