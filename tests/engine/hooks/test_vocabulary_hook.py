# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEVocabularyHook``: val/test score against the dataset's classes
and the training vocabulary comes back; models without a MoTE head are
skipped with one warning."""
import pytest
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


def _messages(runner) -> list:
    """The messages the runner's logger receives from now on."""
    import logging
    records = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())
    runner.logger.addHandler(handler)
    return records


def test_training_vocabulary_comes_from_the_training_dataset(
        motion_dataset, motion_train_cfg):
    """A head built without class_names trains on its dataset's (the file
    is named once, on the dataset), logged by file name."""
    cfg = motion_train_cfg(
        2, custom_hooks=[dict(type='MoTEVocabularyHook'),
                         dict(type='MoTEClassCheckHook')])
    cfg.model.cls_head.pop('class_names')
    cfg.log_level = 'INFO'
    runner = Runner.from_cfg(cfg)
    head = runner.model.cls_head
    assert head.class_names is None
    log_messages = _messages(runner)
    runner.train()
    assert head.class_names == list(motion_dataset.classes)
    line = [m for m in log_messages if 'MoTE training vocabulary' in m]
    assert line and motion_dataset.class_file in line[0], line


def test_without_any_training_vocabulary_the_error_names_the_fix(
        motion_train_cfg):
    cfg = motion_train_cfg(1)  # no MoTEVocabularyHook
    cfg.model.cls_head.pop('class_names')
    with pytest.raises(ValueError, match=r'no training vocabulary .*'
                       r'train_dataloader\.dataset\.class_names'):
        Runner.from_cfg(cfg).train()


def test_test_vocabulary_is_logged_by_its_file(motion_dataset,
                                               motion_test_cfg):
    runner = Runner.from_cfg(motion_test_cfg(
        motion_dataset.classes[:3], log_level='INFO',
        custom_hooks=[dict(type='MoTEVocabularyHook')]))
    log_messages = _messages(runner)
    runner.test()
    line = [m for m in log_messages if 'MoTE test vocabulary' in m]
    assert line and line[0].startswith(
        f'MoTE test vocabulary: {motion_dataset.class_file}: 4 classes'), line
