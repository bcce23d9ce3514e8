# Copyright (c) OpenMMLab. All rights reserved.
"""Precision of MoTEHead under autocast: fp32 cosines and TFM, and the
head's logits within a stated tolerance of fp32 for fp16 and bf16."""
import pytest
import torch
from mmaction.registry import MODELS

from mote_mmaction.models.heads.mote_head import MoTEHead
from mote_mmaction.models.layers.temporal_modulation import \
    temporal_modulation
from mote_mmaction.testing import tiny_mote_model_cfg

TRAIN = ['moving left', 'moving right', 'growing', 'shrinking', 'spinning']
TEST = ['jumping', 'falling', 'moving left', 'waving']

# Max abs difference of the test cosines (in [-1, 1]) from fp32 when the
# temporal transformer runs under autocast; the cosine itself is fp32.
# Measured on this model: 6.6e-5 (bf16), 9.3e-6 (fp16); cosines computed
# in bf16 / fp16 themselves would be off by ~4e-3 / ~5e-4.
TOLERANCE = {torch.bfloat16: 1e-3, torch.float16: 1e-4}


@pytest.fixture(scope='module')
def head() -> MoTEHead:
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(TRAIN, num_layers=2))
    head = model.cls_head.eval()
    head.train_table()
    return head


def _inputs(n=6, t=8, d=64, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, t, d, generator=g)


def test_cosine_is_fp32_under_autocast():
    g = torch.Generator().manual_seed(0)
    video, table = torch.randn(16, 64, generator=g), torch.randn(
        40, 64, generator=g)
    want = MoTEHead._cosine(video, table)
    for dtype in (torch.bfloat16, torch.float16):
        with torch.autocast('cpu', dtype=dtype):
            got = MoTEHead._cosine(video, table)
            # what a plain matmul under autocast gives: visibly coarser
            naive = torch.nn.functional.normalize(video, dim=-1) @ \
                torch.nn.functional.normalize(table, dim=-1).t()
        assert got.dtype == torch.float32
        torch.testing.assert_close(got, want, rtol=0, atol=1e-6)
        assert (naive.float() - want).abs().max() > 1e-4


def test_tfm_is_fp32_under_autocast(head):
    x = _inputs()
    test_table = head.text_encoder.encode(TEST)
    want = temporal_modulation(x, test_table, head.train_table())
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = temporal_modulation(x, test_table, head.train_table())
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
@pytest.mark.parametrize('vocab', [None, TEST])
def test_logits_under_autocast_within_tolerance(head, dtype, vocab):
    head.set_vocabulary(vocab)
    x = _inputs()
    with torch.no_grad():
        want = head(x)
        with torch.autocast('cpu', dtype=dtype):
            got = head(x)
    head.set_vocabulary(None)
    assert got.dtype == torch.float32
    diff = (got - want).abs().max().item()
    assert diff <= TOLERANCE[dtype], diff
    assert diff > 0  # the temporal stream really ran in the low precision


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_training_losses_under_autocast_are_fp32(head, dtype):
    from mmaction.structures import ActionDataSample
    head.train()
    x = _inputs(n=4)
    samples = [ActionDataSample().set_gt_label(i % len(TRAIN))
               for i in range(4)]
    with torch.autocast('cpu', dtype=dtype):
        losses = head.loss(x, samples)
    head.eval()
    for k in ('loss_cls', 'loss_wmr', 'loss_mse'):
        assert losses[k].dtype == torch.float32, k
        assert torch.isfinite(losses[k]), k
