# Copyright (c) OpenMMLab. All rights reserved.
import torch.nn.functional as F
from mmaction.models.losses.base import BaseWeightedLoss
from mmaction.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class MoTEFeatureMSELoss(BaseWeightedLoss):
    """Mean squared error between two feature tensors (MoTE's L_MSE).

    With per-frame inputs ``(e + h_merged, e)`` it equals
    ``mean(h_merged ** 2)``: it keeps the merged temporal residual small.

    Args:
        loss_weight (float): Factor ``eta``. Defaults to 1.0.
    """

    def _forward(self, pred: Tensor, target: Tensor) -> Tensor:
        """Mean over all elements of ``(pred - target) ** 2``.

        Args:
            pred (Tensor): ``[B, T, D]`` or ``[B, D]``.
            target (Tensor): Same shape as ``pred``.
        """
        # F.mse_loss would broadcast other shapes with only a warning
        if pred.shape != target.shape:
            raise ValueError(f'MoTEFeatureMSELoss: pred {tuple(pred.shape)} '
                             f'and target {tuple(target.shape)} differ')
        return F.mse_loss(pred.float(), target.float())
