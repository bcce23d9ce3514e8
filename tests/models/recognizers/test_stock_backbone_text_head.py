# Copyright (c) OpenMMLab. All rights reserved.
"""MMAction2's Recognizer3D with a stock backbone (a tiny X3D) and MoTE's
text head through ``MoTEFeatureAdapter``, run by MMEngine's Runner on
generated videos: train, test with ``MoTEVocabularyHook``, zero-shot with
another class list."""
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mote_mmaction.testing import tiny_clip_arch, tiny_video_pipeline

# the test classes in another order, and one that no clip shows
ZERO_SHOT = ['shrinking', 'growing', 'spinning', 'moving right',
             'moving left']
TOPK = (1, 2)


def stock_model_cfg(classes):
    return dict(
        type='Recognizer3D',
        # X3D's blocks, two stages at half width: [N, 72, T, 4, 4]
        backbone=dict(type='X3D', gamma_w=0.5, gamma_b=2.25, gamma_d=1,
                      num_stages=2, spatial_strides=(2, 2)),
        cls_head=dict(
            type='MoTEHead', num_classes=len(classes), in_channels=64,
            class_names=classes, num_layers=1,
            # one prompt template, not MoTE's 28: fewer tower passes
            text_encoder=dict(type='CLIPTextEncoder', arch=tiny_clip_arch(),
                              templates=['a video of a person {}.']),
            feature_adapter=dict(type='MoTEFeatureAdapter', in_channels=72,
                                 out_channels=64)),
        data_preprocessor=dict(
            type='ActionDataPreprocessor', mean=[114.75, 114.75, 114.75],
            std=[57.38, 57.38, 57.38], format_shape='NCTHW'))


def eval_loader(ann_file, class_names, data_prefix):
    return dict(
        batch_size=4, num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='MoTEVideoDataset', ann_file=ann_file,
                     class_names=class_names, data_prefix=data_prefix,
                     test_mode=True, pipeline=tiny_video_pipeline()))


TEST_EVALUATOR = dict(
    type='AccMetric', metric_list=('top_k_accuracy', ),
    metric_options=dict(top_k_accuracy=dict(topk=TOPK)))


class Record(Hook):
    """The trainable weights when training starts (after init_weights) and
    every test prediction."""

    def __init__(self):
        self.start = None
        self.preds = []

    def before_train(self, runner):
        self.start = {k: p.detach().clone()
                      for k, p in runner.model.named_parameters()
                      if p.requires_grad}

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self.preds.extend(outputs)


def accuracies(preds):
    """Top-k accuracies recomputed from the predictions."""
    scores = torch.stack([p.pred_score for p in preds])
    labels = torch.cat([p.gt_label for p in preds])
    ranked = scores.argsort(dim=1, descending=True)
    return {
        f'acc/top{k}':
        (ranked[:, :k] == labels[:, None]).any(1).sum().item() / len(preds)
        for k in TOPK
    }


def test_stock_backbone_text_head_trains_tests_and_zero_shots(
        motion_dataset, motion_train_cfg, tmp_path):
    ds = motion_dataset
    cfg = motion_train_cfg(
        2, model=stock_model_cfg(ds.classes),
        # no weight decay: weights move only by their gradients
        optim_wrapper=dict(
            optimizer=dict(type='AdamW', lr=1e-2, weight_decay=0.)),
        test_dataloader=eval_loader(ds.val_ann, ds.class_file,
                                    ds.data_prefix),
        test_evaluator=TEST_EVALUATOR,
        test_cfg=dict(type='TestLoop'),
        default_hooks=dict(checkpoint=None),
        custom_hooks=[dict(type='MoTERoutingStepHook'),
                      dict(type='MoTEVocabularyHook')],
        randomness=dict(seed=0))
    runner = Runner.from_cfg(cfg)
    record = Record()
    runner.register_hook(record, priority='LOWEST')
    runner.train()

    # the adapter, the head's temporal module and the backbone trained
    end = dict(runner.model.named_parameters())
    moved = {k for k, p in record.start.items() if not torch.equal(p, end[k])}
    adapter = 'cls_head.feature_adapter.proj.weight'
    assert adapter in moved
    for part in ('cls_head.temporal.frame_position_embeddings',
                 'cls_head.temporal.resblocks.0.attn', 'backbone.'):
        assert any(k.startswith(part) for k in moved), part

    metrics = runner.test()
    assert len(record.preds) == 12
    assert all(p.pred_score.shape == (len(ds.classes), )
               for p in record.preds)
    assert metrics == pytest.approx(accuracies(record.preds))

    # zero-shot: the same videos, labelled by name in another class list
    zs_ann = osp.join(str(tmp_path), 'zero_shot.txt')
    with open(ds.val_ann) as src, open(zs_ann, 'w') as dst:
        for line in src:
            path, label = line.split()
            dst.write(f'{path} {ZERO_SHOT.index(ds.classes[int(label)])}\n')
    zero_shot = Runner(
        model=runner.model, work_dir=str(tmp_path / 'zero_shot'),
        test_dataloader=eval_loader(zs_ann, ZERO_SHOT, ds.data_prefix),
        test_evaluator=TEST_EVALUATOR, test_cfg=dict(type='TestLoop'),
        default_hooks=dict(checkpoint=None),
        custom_hooks=[dict(type='MoTEVocabularyHook')],
        default_scope='mmaction', log_level='WARNING')
    record.preds = []
    zero_shot.register_hook(record, priority='LOWEST')
    metrics = zero_shot.test()
    assert len(record.preds) == 12
    assert all(p.pred_score.shape == (len(ZERO_SHOT), )
               for p in record.preds)
    assert metrics == pytest.approx(accuracies(record.preds))
    # MoTEVocabularyHook gave the training vocabulary back
    assert runner.model.cls_head.eval_class_names is None
