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
        idx_t = (clip @ test_table.t()).topk(min(topk,
                                                 len(test_table))).indices
        idx_f = (clip @ train_table.t()).topk(min(topk,
                                                  len(train_table))).indices
        sims = torch.bmm(test_table[idx_t],
                         train_table[idx_f].transpose(1, 2))
        m = sims.amax(dim=-1).mean(dim=-1)
        return torch.exp(-(1.0 - m) / gamma)
