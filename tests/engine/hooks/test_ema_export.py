# Copyright (c) OpenMMLab. All rights reserved.
"""MMEngine's EMAHook with a MoTE model: every expert is averaged and the
merged export is made from the EMA weights."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mote_mmaction.models.deploy import merge_experts_state_dict
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


def test_ema_averages_experts_and_is_exported(motion_dataset, tmp_path):
    ds = motion_dataset
    cfg = Config(dict(
        default_scope='mmaction',
        model=tiny_mote_model_cfg(ds.classes, num_layers=1),
        work_dir=str(tmp_path),
        train_dataloader=dict(
            batch_size=4, num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=True),
            dataset=dict(type='MoTEVideoDataset', ann_file=ds.train_ann,
                         data_prefix=ds.data_prefix,
                         class_names=ds.class_file,
                         pipeline=tiny_video_pipeline(test_mode=False))),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=3),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-2)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                           interval=100)),
        custom_hooks=[
            dict(type='EMAHook', momentum=0.5),
            dict(type='MoTEMergedExportHook')
        ],
        randomness=dict(seed=0),
        log_level='WARNING'))
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
