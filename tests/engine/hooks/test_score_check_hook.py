# Copyright (c) OpenMMLab. All rights reserved.
"""NaN/inf test scores stop the test; MoTE hooks skip models without a
MoTE head with one warning."""
import logging
import os
import os.path as osp
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from torch import nn

from mote_mmaction.engine.hooks import (MoTEMergedExportHook,
                                        MoTEVocabularyHook,
                                        MoTEZeroShotEvalHook)
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


class _Records(logging.Handler):

    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def stock_runner(tmp_path):
    """A runner-like object around a model without a MoTE head."""
    logger = MMLogger.get_current_instance()
    return SimpleNamespace(
        model=nn.Sequential(nn.Linear(2, 2)), work_dir=str(tmp_path),
        logger=logger, message_hub=None, epoch=1, iter=1,
        val_dataloader=SimpleNamespace(dataset=SimpleNamespace(
            metainfo=dict(classes=('a', 'b')))))


def test_mote_hooks_skip_a_stock_head_with_one_warning(tmp_path):
    runner = stock_runner(tmp_path)
    records = _Records()
    runner.logger.addHandler(records)
    try:
        export = MoTEMergedExportHook()
        export.after_train(runner)
        zs = MoTEZeroShotEvalHook(
            datasets=[dict(name='x', dataloader=dict())])
        vocab = MoTEVocabularyHook()
        for _ in range(2):
            metrics = {'acc/top1': 0.5}
            zs.after_val_epoch(runner, metrics)
            vocab.before_val(runner)
    finally:
        runner.logger.removeHandler(records)
    assert metrics == {'acc/top1': 0.5}  # no zero-shot numbers invented
    assert os.listdir(str(tmp_path)) == []  # nothing exported
    for name in ('MoTEMergedExportHook', 'MoTEZeroShotEvalHook is skipped',
                 'MoTEVocabularyHook is skipped'):
        assert sum(name in m for m in records.messages) == 1, name
