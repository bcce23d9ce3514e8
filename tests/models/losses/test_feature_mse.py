# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTEFeatureMSELoss``: MoTE's L_MSE, the mean of squared feature
differences, scaled by ``loss_weight`` and computed in fp32."""
import pytest
import torch
from mmaction.registry import MODELS

from mote_mmaction.models.losses import MoTEFeatureMSELoss


def test_value_is_the_mean_over_every_element():
    """``[B, T, D]`` and ``[B, D]`` inputs: the sum of squares over all
    elements divided by their number (not per sample, not summed)."""
    loss = MoTEFeatureMSELoss()
    pred = torch.tensor([[[1.0, 2.0], [3.0, 4.0]]])  # [1, 2, 2]
    target = torch.tensor([[[0.0, 0.0], [1.0, 7.0]]])
    # (1 + 4 + 4 + 9) / 4
    assert loss(pred, target).item() == pytest.approx(4.5)
    assert loss(pred[:, 0], target[:, 0]).item() == pytest.approx(2.5)
    assert loss(pred, pred).item() == 0.0


def test_frame_residual_form():
    """With ``(e + h, e)``, as the head passes it, the loss is
    ``mean(h ** 2)`` whatever the frame features ``e``."""
    g = torch.Generator().manual_seed(0)
    e = 10 * torch.randn(2, 4, 8, generator=g)
    h = torch.randn(2, 4, 8, generator=g)
    want = sum(x * x for x in h.flatten().tolist()) / h.numel()
    assert MoTEFeatureMSELoss()(e + h, e).item() == pytest.approx(
        want, rel=1e-5)


def test_loss_weight_scales_value_and_gradient():
    """``loss_weight`` (``eta``) multiplies the loss and so its gradient
    ``2 * eta * (pred - target) / n``."""
    pred = torch.tensor([[1.0, -2.0, 0.5]], requires_grad=True)
    target = torch.tensor([[0.0, 1.0, 0.5]])
    loss = MoTEFeatureMSELoss(loss_weight=0.1)(pred, target)
    assert loss.item() == pytest.approx(0.1 * (1 + 9 + 0) / 3)
    loss.backward()
    torch.testing.assert_close(
        pred.grad, 2 * 0.1 * (pred.detach() - target) / 3)


def test_half_inputs_are_computed_in_fp32():
    """fp16 features give an fp32 loss: squared differences above fp16's
    range (65504) stay finite."""
    pred = torch.full((2, 3), 300.0, dtype=torch.float16)
    target = torch.zeros(2, 3, dtype=torch.float16)
    out = MoTEFeatureMSELoss()(pred, target)
    assert out.dtype == torch.float32
    assert out.item() == 90000.0
    assert torch.isinf((pred - target).pow(2).mean())  # what fp16 gives


def test_built_from_the_registry():
    """The name the head's ``loss_mse`` config uses builds this loss with
    its weight."""
    loss = MODELS.build(dict(type='MoTEFeatureMSELoss', loss_weight=0.25))
    assert type(loss) is MoTEFeatureMSELoss
    assert loss.loss_weight == 0.25
    assert loss(torch.ones(1, 2), torch.zeros(1, 2)).item() == 0.25


def test_shapes_must_match():
    """``F.mse_loss`` alone would broadcast ``[B, T, D]`` against
    ``[B, 1, D]`` with only a warning."""
    loss = MoTEFeatureMSELoss()
    with pytest.raises(ValueError, match=r'pred \(2, 3, 4\) and target '
                       r'\(2, 1, 4\) differ'):
        loss(torch.zeros(2, 3, 4), torch.zeros(2, 1, 4))
