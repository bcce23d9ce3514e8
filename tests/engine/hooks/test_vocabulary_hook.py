# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEVocabularyHook``: val/test score against the dataset's classes
and the training vocabulary comes back; models without a MoTE head are
skipped with one warning."""
from mmengine.config import Config
from mmengine.runner import Runner

from mote_mmaction.engine.hooks import MoTEVocabularyHook
from mote_mmaction.testing import tiny_mote_model_cfg, tiny_video_pipeline


def test_vocabulary_hook_scores_against_the_dataset_classes(
        motion_dataset, tmp_path):
    ds = motion_dataset
    train = ds.classes[:3]  # the model's; the test set has all 4
    cfg = Config(
        dict(
            default_scope='mmaction',
            model=tiny_mote_model_cfg(train, num_layers=1),
            work_dir=str(tmp_path),
            test_dataloader=dict(
                batch_size=4, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dict(type='MoTEVideoDataset', ann_file=ds.val_ann,
                             class_names=ds.class_file,
                             data_prefix=ds.data_prefix, test_mode=True,
                             pipeline=tiny_video_pipeline())),
            test_evaluator=dict(type='AccMetric'),
            test_cfg=dict(type='TestLoop'),
            custom_hooks=[dict(type='MoTEVocabularyHook')],
            log_level='WARNING'))
    runner = Runner.from_cfg(cfg)
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
