# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEMergedExportHook``: with MMEngine's EMAHook every expert is
averaged and the merged export is made from the EMA weights; a model
without experts is skipped with one warning and nothing is written."""
import os
import os.path as osp

import torch
from mmengine.runner import Runner

from mote_mmaction.engine.hooks import MoTEMergedExportHook
from mote_mmaction.models.deploy import merge_experts_state_dict


def test_ema_averages_experts_and_is_exported(motion_train_cfg, tmp_path):
    cfg = motion_train_cfg(
        3, lr=1e-2,
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=100)),
        custom_hooks=[
            dict(type='EMAHook', momentum=0.5),
            dict(type='MoTEMergedExportHook')
        ],
        randomness=dict(seed=0))
    runner = Runner.from_cfg(cfg)
    runner.train()
    ema_hook = next(h for h in runner.hooks if type(h).__name__ == 'EMAHook')
    ema = ema_hook.ema_model.module.state_dict()
    raw = runner.model.state_dict()
    expert = 'cls_head.temporal.resblocks.0.mlp.fc_up.{}.weight'
    for e in range(4):  # every expert is averaged, so it differs from raw
        assert not torch.equal(ema[expert.format(e)], raw[expert.format(e)])

    exported = torch.load(osp.join(str(tmp_path), 'mote_merged.pth'),
                          map_location='cpu', weights_only=True)
    assert exported['meta']['ema'] is True
    want = merge_experts_state_dict(ema)
    for key, value in want.items():
        torch.testing.assert_close(exported['state_dict'][key], value)


def test_model_without_experts_is_skipped_with_one_warning(stock_runner):
    MoTEMergedExportHook().after_train(stock_runner)
    assert os.listdir(stock_runner.work_dir) == []  # nothing exported
    assert sum('MoTEMergedExportHook' in m
               for m in stock_runner.messages) == 1
