# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTETFMLogHook``: TFM's rho logged once per vocabulary (first batch),
as the head computes it; stock heads are left alone."""
import logging
import re

import torch
from mmengine.runner import Runner

from mote_mmaction.engine.hooks import MoTETFMLogHook
from mote_mmaction.models.layers.temporal_modulation import \
    temporal_modulation


def rho_lines(messages):
    return [m for m in messages if m.startswith('TFM (')]


def record(runner):
    """The messages the runner's logger receives from now on."""
    messages = []
    handler = logging.Handler()
    handler.emit = lambda r: messages.append(r.getMessage())
    runner.logger.addHandler(handler)
    return messages


def test_rho_logged_once_per_vocabulary(motion_dataset, motion_test_cfg):
    ds = motion_dataset
    # trained on 3 classes, tested on all 4: TFM modulates
    runner = Runner.from_cfg(motion_test_cfg(
        ds.classes[:3], log_level='INFO',
        custom_hooks=[dict(type='MoTEVocabularyHook'),
                      dict(type='MoTETFMLogHook')]))
    log_messages = record(runner)
    head = runner.model.cls_head
    inputs = []
    orig = head.forward
    head.forward = lambda x, **kw: inputs.append(x) or orig(x, **kw)
    runner.test()
    runner.test()  # the same vocabulary again: nothing new
    lines = rho_lines(log_messages)
    assert len(inputs) == 6 and len(lines) == 1  # 2 x 3 batches, one line
    found = re.fullmatch(
        r"TFM \(test, vocabulary of 4 classes\): rho over the first "
        r"batch's 4 clip views: mean (\S+), min (\S+), max (\S+)", lines[0])
    assert found, lines
    # the head's own rho on the first batch
    head.set_vocabulary(ds.classes)
    with torch.no_grad():
        rho = temporal_modulation(inputs[0], head.eval_table()[0],
                                  head.train_table(), **head.tfm)
    assert [float(v) for v in found.groups()] == [
        round(float(v), 4) for v in (rho.mean(), rho.min(), rho.max())]
    assert 0 < rho.min() <= rho.max() <= 1


def test_training_vocabulary_logs_rho_one(motion_test_cfg):
    runner = Runner.from_cfg(motion_test_cfg(
        log_level='INFO', custom_hooks=[dict(type='MoTETFMLogHook')]))
    log_messages = record(runner)
    runner.test()
    assert rho_lines(log_messages) == [
        'TFM (test): rho = 1 (the training vocabulary)']


def test_stock_head_is_left_alone(stock_runner):
    hook = MoTETFMLogHook()
    hook.before_val_epoch(stock_runner)
    stock_runner.model(torch.zeros(1, 2))
    hook.after_val_epoch(stock_runner)
    assert rho_lines(stock_runner.messages) == []
