# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEVocabularyHook``: val/test score against the dataset's classes
and the training vocabulary comes back; models without a MoTE head are
skipped with one warning."""
from mmengine.runner import Runner

from mote_mmaction.engine.hooks import MoTEVocabularyHook


def test_vocabulary_hook_scores_against_the_dataset_classes(
        motion_dataset, motion_test_cfg):
    ds = motion_dataset
    # the model knows 3 classes; the test set has all 4
    runner = Runner.from_cfg(motion_test_cfg(
        ds.classes[:3], custom_hooks=[dict(type='MoTEVocabularyHook')]))
    head = runner.model.cls_head
    seen = []
    orig = head.forward
    head.forward = lambda x, **kw: seen.append(orig(x, **kw)) or seen[-1]
    runner.test()
    assert len(seen) == 3  # 12 videos, batches of 4
    assert all(s.shape[1] == len(ds.classes) for s in seen)
    assert head.eval_class_names is None  # training vocabulary restored


def test_stock_head_is_skipped_with_one_warning(stock_runner):
    hook = MoTEVocabularyHook()
    for _ in range(2):
        hook.before_val(stock_runner)
        hook.after_val(stock_runner)
    assert sum('MoTEVocabularyHook is skipped' in m
               for m in stock_runner.messages) == 1
