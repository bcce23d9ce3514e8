# Copyright (c) OpenMMLab. All rights reserved.
"""Mixture of temporal experts: one FFN per expert, merged in weight space.

An expert FFN runs in one of three ways: one expert alone (training,
expert path), a merge with given coefficients (training, WMR path), or the
test-time merge with fixed coefficients (uniform by default). Which expert
and which coefficients a training step uses is the router's choice
(:mod:`.expert_router`).
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from open_clip.transformer import QuickGELU
from torch import Tensor, nn


def normalize_merge_coeffs(coeffs: Sequence[float],
                           num_experts: int) -> Tensor:
    """Check and normalise user merge weights to sum 1 (float64).

    Raises:
        ValueError: If there are not ``num_experts`` finite, non-negative
            weights with a positive sum.
    """
    c = torch.as_tensor(coeffs, dtype=torch.float64).flatten()
    if c.numel() != num_experts or not torch.isfinite(c).all() or \
            (c < 0).any() or c.sum() <= 0:
        raise ValueError(f'merge coefficients must be {num_experts} '
                         'finite, non-negative numbers with a positive '
                         f'sum, got {list(coeffs)}')
    return c / c.sum()


def merge_expert_weights(stacked: Tensor, coeffs: Tensor) -> Tensor:
    """Weighted sum over the leading expert axis, in the weights' dtype.

    Elementwise ops are used on purpose: autocast leaves them in fp32, so
    the merge never happens in half precision.

    Args:
        stacked (Tensor): ``[N, *shape]`` expert tensors.
        coeffs (Tensor): ``[N]`` coefficients.

    Returns:
        Tensor: ``[*shape]``.
    """
    coeffs = coeffs.to(stacked.dtype).view(-1, *([1] * (stacked.dim() - 1)))
    return (coeffs * stacked).sum(dim=0)


class MoTEExpertsFFN(nn.Module):
    """``N`` whole FFN experts ``fc_up (D->rD) -> QuickGELU -> fc_dn``.

    Parameter names follow the MoTE checkpoints (``fc_up.{e}.weight``...).
    With ``num_experts=1`` this is a plain transformer FFN (the deploy form).

    Args:
        embed_dims (int): Width ``D``.
        num_experts (int): Number of experts ``N``. Defaults to 4.
        mlp_ratio (int): Hidden width ratio. Defaults to 4.
        eval_coeffs (Sequence[float], optional): Test-time merge
            coefficients (normalised to sum 1); ``None`` = uniform, the
            MoTE default.
    """

    def __init__(self,
                 embed_dims: int,
                 num_experts: int = 4,
                 mlp_ratio: int = 4,
                 eval_coeffs: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        if num_experts < 1:
            raise ValueError(f'num_experts must be >= 1, got {num_experts}')
        hidden = embed_dims * mlp_ratio
        self.num_experts = num_experts
        self.fc_up = nn.ModuleList(
            nn.Linear(embed_dims, hidden) for _ in range(num_experts))
        self.act = QuickGELU()
        self.fc_dn = nn.ModuleList(
            nn.Linear(hidden, embed_dims) for _ in range(num_experts))
        coeffs = torch.full((num_experts, ), 1.0 / num_experts) \
            if eval_coeffs is None else \
            normalize_merge_coeffs(eval_coeffs, num_experts).float()
        # Not persistent: a test-time choice, configured, not learned.
        self.register_buffer('eval_coeffs', coeffs, persistent=False)

    def reset_parameters(self, std: float = 0.02) -> None:
        """Independent ``N(0, std)`` weights and zero biases per expert."""
        for layer in (*self.fc_up, *self.fc_dn):
            nn.init.normal_(layer.weight, std=std)
            nn.init.zeros_(layer.bias)

    def _stacked(self) -> List[Tensor]:
        return [
            torch.stack([m.weight for m in self.fc_up]),
            torch.stack([m.bias for m in self.fc_up]),
            torch.stack([m.weight for m in self.fc_dn]),
            torch.stack([m.bias for m in self.fc_dn]),
        ]

    def merged_params(self, coeffs: Tensor) -> List[Tensor]:
        """``[W_up, b_up, W_dn, b_dn]`` merged with ``coeffs``, with grad."""
        if self.num_experts == 1:
            return [self.fc_up[0].weight, self.fc_up[0].bias,
                    self.fc_dn[0].weight, self.fc_dn[0].bias]
        return [merge_expert_weights(p, coeffs) for p in self._stacked()]

    def ffn(self, x: Tensor, params: Sequence[Tensor]) -> Tensor:
        """Apply one FFN given its four tensors."""
        w_up, b_up, w_dn, b_dn = params
        return F.linear(self.act(F.linear(x, w_up, b_up)), w_dn, b_dn)

    def forward(self,
                x: Tensor,
                expert: Optional[int] = None,
                coeffs: Optional[Tensor] = None) -> Tensor:
        """Run one expert, a merge with ``coeffs``, or the eval merge.

        Args:
            x (Tensor): ``[..., D]``.
            expert (int, optional): Index of the single expert to run.
            coeffs (Tensor, optional): ``[N]`` merge coefficients.

        Returns:
            Tensor: ``[..., D]``.
        """
        if expert is not None:
            return self.fc_dn[expert](self.act(self.fc_up[expert](x)))
        # The test-time merge is recomputed every call rather than cached:
        # it costs N x the FFN's weights, negligible next to the CLIP
        # encoder, and a cache cannot see every way weights change (e.g.
        # writes through ``.data``). ``tools/merge_experts.py`` makes the
        # deploy form that skips it.
        return self.ffn(x, self.merged_params(
            self.eval_coeffs if coeffs is None else coeffs))

    def extra_repr(self) -> str:
        return f'num_experts={self.num_experts}'
