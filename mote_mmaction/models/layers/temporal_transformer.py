# Copyright (c) OpenMMLab. All rights reserved.
"""MoTE's temporal transformer over per-frame CLIP embeddings."""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .temporal_experts import MoTEExpertsFFN


class TemporalSelfAttention(nn.Module):
    """Multi-head self-attention on ``[B, T, D]`` with fused SDPA kernels.

    Parameters are named as ``nn.MultiheadAttention``'s (``in_proj_weight``,
    ``in_proj_bias``, ``out_proj``) so MoTE checkpoints load unchanged.

    Args:
        embed_dims (int): Width ``D``.
        num_heads (int): Heads; ``D`` must divide by it.
    """

    def __init__(self, embed_dims: int, num_heads: int) -> None:
        super().__init__()
        if embed_dims % num_heads:
            raise ValueError(f'width {embed_dims} is not divisible by '
                             f'{num_heads} heads')
        self.num_heads = num_heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dims,
                                                       embed_dims))
        self.in_proj_bias = nn.Parameter(torch.empty(3 * embed_dims))
        self.out_proj = nn.Linear(embed_dims, embed_dims)

    def reset_parameters(self, std: float = 0.02) -> None:
        # As in MoTE: the in-projection is not an nn.Linear there, so it
        # keeps PyTorch's MultiheadAttention init; out_proj is re-drawn.
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.in_proj_bias)
        nn.init.normal_(self.out_proj.weight, std=std)
        nn.init.zeros_(self.out_proj.bias)

    def forward(self, x: Tensor) -> Tensor:
        """``[B, T, D]`` -> ``[B, T, D]``."""
        b, t, d = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        qkv = qkv.view(b, t, 3, self.num_heads, d // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        out = F.scaled_dot_product_attention(q, k, v)
        return self.out_proj(out.transpose(1, 2).reshape(b, t, d))


class MoTEBlock(nn.Module):
    """Pre-LN block: ``x + attn(ln_1(x))`` then ``x + experts(ln_2(x))``.

    Args:
        embed_dims (int): Width ``D``.
        num_heads (int): Attention heads.
        num_experts (int): FFN experts.
        ln_eps (float): LayerNorm epsilon (MoTE uses 1e-12).
        eval_coeffs (Sequence[float], optional): See
            :class:`MoTEExpertsFFN`.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 num_experts: int,
                 ln_eps: float = 1e-12,
                 eval_coeffs: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(embed_dims, eps=ln_eps)
        self.attn = TemporalSelfAttention(embed_dims, num_heads)
        self.ln_2 = nn.LayerNorm(embed_dims, eps=ln_eps)
        self.mlp = MoTEExpertsFFN(embed_dims, num_experts,
                                  eval_coeffs=eval_coeffs)

    def forward(self,
                x: Tensor,
                expert: Optional[int] = None,
                coeffs: Optional[Tensor] = None) -> Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x), expert=expert, coeffs=coeffs)


class MoTETemporalTransformer(nn.Module):
    """Frame positions plus ``L`` MoTE blocks; returns the residual ``h``.

    Args:
        embed_dims (int): Width ``D`` (the CLIP embedding size).
        num_layers (int): ``L``. Defaults to 4.
        num_heads (int, optional): Defaults to ``D // 64``.
        num_experts (int): Experts per FFN. Defaults to 4.
        max_frames (int): Rows of the frame-position table (77 in MoTE, the
            CLIP context length). Defaults to 77.
        ln_eps (float): LayerNorm epsilon. Defaults to 1e-12.
        eval_coeffs (Sequence[float], optional): Test-time merge weights.
    """

    def __init__(self,
                 embed_dims: int,
                 num_layers: int = 4,
                 num_heads: Optional[int] = None,
                 num_experts: int = 4,
                 max_frames: int = 77,
                 ln_eps: float = 1e-12,
                 eval_coeffs: Optional[Sequence[float]] = None) -> None:
        super().__init__()
        num_heads = num_heads or max(embed_dims // 64, 1)
        self.max_frames = max_frames
        self.frame_position_embeddings = nn.Embedding(max_frames, embed_dims)
        self.resblocks = nn.ModuleList(
            MoTEBlock(embed_dims, num_heads, num_experts, ln_eps, eval_coeffs)
            for _ in range(num_layers))
        self.reset_parameters()

    @property
    def num_layers(self) -> int:
        return len(self.resblocks)

    def reset_parameters(self, std: float = 0.02) -> None:
        """MoTE's init: N(0, 0.02) linears/positions, unit LayerNorms."""
        nn.init.normal_(self.frame_position_embeddings.weight, std=std)
        for blk in self.resblocks:
            for ln in (blk.ln_1, blk.ln_2):
                nn.init.ones_(ln.weight)
                nn.init.zeros_(ln.bias)
            blk.attn.reset_parameters(std)
            blk.mlp.reset_parameters(std)

    def forward(self,
                x: Tensor,
                experts: Optional[List[int]] = None,
                coeffs: Optional[List[Tensor]] = None) -> Tensor:
        """Temporal residual of frame embeddings.

        Args:
            x (Tensor): Frame embeddings ``[B, T, D]``.
            experts (list[int], optional): Expert index per layer.
            coeffs (list[Tensor], optional): ``[N]`` merge coefficients per
                layer. Neither given: the eval merge.

        Returns:
            Tensor: ``h`` ``[B, T, D]``, so that the output is ``x + rho*h``.
        """
        t = x.shape[1]
        if t > self.max_frames:
            raise ValueError(f'{t} frames per clip but the frame-position '
                             f'table holds {self.max_frames}; sample fewer '
                             'frames or raise `max_frames`.')
        h = x + self.frame_position_embeddings.weight[:t].to(x.dtype)
        for i, blk in enumerate(self.resblocks):
            h = blk(h,
                    expert=None if experts is None else experts[i],
                    coeffs=None if coeffs is None else coeffs[i])
        return h.to(x.dtype)
