# Copyright (c) OpenMMLab. All rights reserved.
import math

import pytest
import torch
import torch.nn.functional as F

from mote_mmaction.models.layers import temporal_modulation


def test_same_vocabulary_gives_one():
    torch.manual_seed(0)
    train = F.normalize(torch.randn(10, 16), dim=-1)
    frames = torch.randn(3, 8, 16)
    rho = temporal_modulation(frames, train, train, topk=5, gamma=0.05)
    assert torch.allclose(rho, torch.ones(3), atol=1e-5)


def test_constructed_case():
    # Train classes e0, e1; test classes at angle a to e0 and orthogonal to
    # everything. Clip mean along e0 -> top-1 proxies.
    e = torch.eye(16)
    a = 0.3
    test = torch.stack([math.cos(a) * e[0] + math.sin(a) * e[2], e[3]])
    train = torch.stack([e[0], e[1]])
    clip = e[0].expand(1, 4, 16)
    rho = temporal_modulation(clip, test, train, topk=1, gamma=0.05)
    assert rho.item() == pytest.approx(math.exp(-(1 - math.cos(a)) / 0.05),
                                       rel=1e-5)
    # K = 2: test proxies {t0, t1}, best train match cos(a) and 0 -> mean.
    rho = temporal_modulation(clip, test, train, topk=2, gamma=0.05)
    m = (math.cos(a) + 0.0) / 2
    assert rho.item() == pytest.approx(math.exp(-(1 - m) / 0.05), rel=1e-5)
