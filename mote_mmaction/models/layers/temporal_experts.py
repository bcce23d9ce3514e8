# Copyright (c) OpenMMLab. All rights reserved.
"""Mixture of temporal experts: one FFN per expert, merged in weight space.

The three ways MoTE uses its experts all live here:

* routing (training, expert path): one expert per layer and step, drawn
  from ``softmax([1..N] / t)``;
* weight merging (training, WMR path): coefficients ``softmax([1..N]/tau)``
  with ``tau`` drawn from ``{+-beta * 2**k, k=0..K-1} U {inf}``;
* merged inference: fixed coefficients (uniform by default), merged once
  and cached until the weights change.
"""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class QuickGELU(nn.Module):
    """``x * sigmoid(1.702 x)``, the activation of OpenAI's CLIP."""

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.sigmoid(1.702 * x)


def routing_probs(num_experts: int, temperature: float = 1.0) -> Tensor:
    """``softmax([1..N] / t)``: expert ``N-1`` is drawn most often."""
    return torch.softmax(
        torch.arange(1, num_experts + 1, dtype=torch.float64) / temperature,
        dim=0)


def tau_candidates(beta: float = 0.6, num_scales: int = 5,
                   with_inf: bool = True) -> Tuple[float, ...]:
    """``{+-beta * 2**k : k < num_scales}`` (and ``inf``), sorted."""
    taus = [s * beta * 2**k for k in range(num_scales) for s in (-1, 1)]
    if with_inf:
        taus.append(math.inf)
    return tuple(sorted(taus))


def merge_coefficients(num_experts: int, tau: float) -> Tensor:
    """``softmax([1..N] / tau)``; ``tau = inf`` gives the uniform average."""
    if math.isinf(tau):
        return torch.full((num_experts, ), 1.0 / num_experts,
                          dtype=torch.float64)
    return torch.softmax(
        torch.arange(1, num_experts + 1, dtype=torch.float64) / tau, dim=0)


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
        if eval_coeffs is None:
            coeffs = torch.full((num_experts, ), 1.0 / num_experts)
        else:
            coeffs = torch.as_tensor(eval_coeffs, dtype=torch.float64)
            if coeffs.shape != (num_experts, ) or coeffs.sum() <= 0:
                raise ValueError(f'eval_coeffs must be {num_experts} '
                                 f'non-negative numbers, got {eval_coeffs}')
            coeffs = (coeffs / coeffs.sum()).float()
        # Not persistent: a test-time choice, configured, not learned.
        self.register_buffer('eval_coeffs', coeffs, persistent=False)
        self._merged_cache: Optional[Tuple[tuple, List[Tensor]]] = None
        # Off only to measure what the cache saves (benchmarks).
        self.cache_merged = True

    def reset_parameters(self, std: float = 0.02) -> None:
        """Independent ``N(0, std)`` weights and zero biases per expert."""
        for layer in (*self.fc_up, *self.fc_dn):
            nn.init.normal_(layer.weight, std=std)
            nn.init.zeros_(layer.bias)
        self._merged_cache = None

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

    def _params_version(self) -> tuple:
        return tuple((p.data_ptr(), p._version, p.device, p.dtype)
                     for p in self.parameters()) + (
                         self.eval_coeffs.data_ptr(),
                         self.eval_coeffs._version)

    def eval_params(self) -> List[Tensor]:
        """Test-time merged weights, cached until any expert changes.

        The cache is keyed on each parameter's storage and version counter,
        which optimizer steps and ``load_state_dict`` bump, so stale weights
        are never served. With autograd on, nothing is cached.
        """
        if self.num_experts == 1 or torch.is_grad_enabled() or \
                not self.cache_merged:
            return self.merged_params(self.eval_coeffs)
        version = self._params_version()
        if self._merged_cache is None or self._merged_cache[0] != version:
            merged = [p.detach() for p in self.merged_params(
                self.eval_coeffs)]
            self._merged_cache = (self._params_version(), merged)
        return self._merged_cache[1]

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
        if coeffs is not None:
            return self.ffn(x, self.merged_params(coeffs))
        return self.ffn(x, self.eval_params())

    def extra_repr(self) -> str:
        return f'num_experts={self.num_experts}'
