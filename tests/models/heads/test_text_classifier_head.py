# Copyright (c) OpenMMLab. All rights reserved.
"""``TextClassifierHead``: fp32 cosines, training accuracies on the
device, and the class-table hint for checkpoints of another vocabulary."""
import pytest
import torch
from mmaction.registry import MODELS

import mote_mmaction  # noqa: F401
from mote_mmaction.compat.checkpoint_fit import (CheckpointMismatchError,
                                                 check_fits)
from mote_mmaction.models.heads.text_classifier_head import \
    TextClassifierHead
from mote_mmaction.testing import tiny_mote_model_cfg

CLASSES = ['moving left', 'moving right', 'growing']


def test_cosine_is_fp32_under_autocast():
    g = torch.Generator().manual_seed(0)
    video, table = torch.randn(16, 64, generator=g), torch.randn(
        40, 64, generator=g)
    want = TextClassifierHead.cosine(video, table)
    for dtype in (torch.bfloat16, torch.float16):
        with torch.autocast('cpu', dtype=dtype):
            got = TextClassifierHead.cosine(video, table)
            # what a plain matmul under autocast gives: visibly coarser
            naive = torch.nn.functional.normalize(video, dim=-1) @ \
                torch.nn.functional.normalize(table, dim=-1).t()
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
        assert (naive.float() - want).abs().max() > 1e-4


def test_training_accuracies_are_the_top_k_hits():
    """``top{k}_acc`` of the training step: the share of clips whose label
    is among the k highest logits (k capped at the number of classes)."""
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=1))
    head = model.cls_head
    head.topk = (1, 2, 9)
    logits = torch.tensor([[0.1, 0.9, 0.0], [0.8, 0.1, 0.3],
                           [0.2, 0.3, 0.5], [0.6, 0.1, 0.2]])
    labels = torch.tensor([1, 2, 0, 0])  # ranks 1, 2, 3, 1
    acc = head.accuracies(logits, labels)
    assert {k: v.item() for k, v in acc.items()} == {
        'top1_acc': 0.5, 'top2_acc': 0.75, 'top9_acc': 1.0}


def test_checkpoint_of_another_vocabulary_says_how_to_test_new_labels():
    trained = MODELS.build(tiny_mote_model_cfg(CLASSES + ['shrinking'],
                                               num_layers=1))
    trained.cls_head.train_table()
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, num_layers=1))
    with pytest.raises(CheckpointMismatchError, match=(
            r'trained on 4 classes \(class table \(4, 64\)\), the head is '
            r'built for num_classes=3.*model\.cls_head\.num_classes=4.*'
            r'test_dataloader\.dataset\.class_names')):
        check_fits(model, trained.state_dict(), 'ckpt.pth')
