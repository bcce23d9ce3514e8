# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEZeroShotEvalHook`` with a model without a MoTE head: skipped with
one warning, no zero-shot numbers invented."""
from mote_mmaction.engine.hooks import MoTEZeroShotEvalHook


def test_stock_head_is_skipped_with_one_warning(stock_runner):
    hook = MoTEZeroShotEvalHook(datasets=[dict(name='x', dataloader=dict())])
    for _ in range(2):
        metrics = {'acc/top1': 0.5}
        hook.after_val_epoch(stock_runner, metrics)
        assert metrics == {'acc/top1': 0.5}
    assert sum('MoTEZeroShotEvalHook is skipped' in m
               for m in stock_runner.messages) == 1
