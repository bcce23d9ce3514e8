# Copyright (c) OpenMMLab. All rights reserved.
"""Temporal Feature Modulation (TFM), MoTE's test-time scaling."""
import torch
import torch.nn.functional as F
from torch import Tensor


def temporal_modulation(frames: Tensor,
                        test_table: Tensor,
                        train_table: Tensor,
                        topk: int = 5,
                        gamma: float = 0.05) -> Tensor:
    """Weight ``rho`` of the temporal residual per clip.

    ``rho = exp(-(1 - m) / gamma)`` where ``m`` measures how close the
    test vocabulary is to the fine-tuning vocabulary around this clip: the
    clip's mean frame embedding retrieves its top-``k`` classes from each
    table, and ``m`` is the mean over test proxies of their best cosine
    with a training proxy. Same vocabulary gives ``m = 1``, ``rho = 1``.

    Args:
        frames (Tensor): Frame embeddings ``[N, T, D]``.
        test_table (Tensor): L2-normalised test classes ``[C, D]``.
        train_table (Tensor): L2-normalised training classes ``[C_f, D]``.
        topk (int): Proxies per table ``K``. Defaults to 5.
        gamma (float): Temperature. Defaults to 0.05.

    Returns:
        Tensor: ``rho`` ``[N]`` in ``(0, 1]`` (float32).
    """
    # fp32 under autocast too: bf16 similarities can reorder the top-k.
    with torch.autocast(frames.device.type, enabled=False):
        clip = F.normalize(frames.float().mean(dim=1), dim=-1)
        test_table, train_table = test_table.float(), train_table.float()
        # The test side takes a fixed k over the classes plus k padding
        # columns that rank last and are masked out of the mean: the same
        # as k = min(topk, C), but k does not depend on C, so a traced
        # graph whose class table is an input (ONNX TopK needs k <= C)
        # also takes fewer than topk classes.
        scores = clip @ test_table.t()  # [N, C]
        pad = torch.full_like(scores[:, :1], float('-inf')).expand(-1, topk)
        top = torch.cat([scores, pad], dim=1).topk(topk)
        valid = torch.isfinite(top.values).float()  # [N, K]
        padded = torch.cat(
            [test_table, test_table.new_zeros(topk, test_table.shape[1])])
        idx_f = (clip @ train_table.t()).topk(min(topk,
                                                  len(train_table))).indices
        sims = torch.bmm(padded[top.indices],
                         train_table[idx_f].transpose(1, 2))
        best = sims.amax(dim=-1)  # [N, K]
        m = (best * valid).sum(dim=-1) / valid.sum(dim=-1)
        return torch.exp(-(1.0 - m) / gamma)
