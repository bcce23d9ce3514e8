# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
from mmaction.registry import MODELS

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import tiny_clip_arch


def test_backbone_shapes():
    arch = tiny_clip_arch()
    bb = MODELS.build(dict(type='CLIPViT', arch=arch))
    x = torch.randn(3, 3, 5, 32, 32)
    assert bb(x).shape == (3, 5, 64)
    bb3d = MODELS.build(dict(type='CLIPViT', arch=arch, out_format='NCTHW'))
    bb3d.load_state_dict(bb.state_dict())
    out = bb3d(x)
    assert out.shape == (3, 64, 5, 1, 1)
    assert torch.allclose(out[..., 0, 0].permute(0, 2, 1), bb(x))
    # Frames are encoded independently of each other.
    assert torch.allclose(bb(x[:, :, 2:3])[:, 0], bb(x)[:, 2], atol=1e-6)


def test_backbone_frozen_and_checkpointing():
    arch = tiny_clip_arch()
    bb = MODELS.build(
        dict(type='CLIPViT', arch=arch, frozen=True, grad_checkpointing=True))
    assert not any(p.requires_grad for p in bb.parameters())
    bb.train()
    assert not bb.visual.training
    bb = MODELS.build(dict(type='CLIPViT', arch=arch, grad_checkpointing=True))
    bb.train()
    x = torch.randn(2, 3, 2, 32, 32)
    bb(x).sum().backward()
    assert bb.visual.conv1.weight.grad.abs().sum() > 0


def test_unknown_arch_is_a_clear_error():
    with pytest.raises(KeyError, match='Unknown CLIP architecture'):
        MODELS.build(dict(type='CLIPViT', arch='ViT-Nope-99'))
