# Copyright (c) OpenMMLab. All rights reserved.
"""Both CLIP towers build and run offline for open_clip's architectures
(on the meta device: shapes only, no weights, no download)."""
import open_clip
import pytest
import torch
from mmaction.registry import MODELS

from mote_mmaction.models.clip_utils import build_text_tower

ARCHS = {  # name: (image size, embed dim)
    'ViT-B-32': (224, 512),
    'ViT-B-16': (224, 512),
    'ViT-L-14': (224, 768),
    'ViT-L-14-336': (336, 768),
}


@pytest.mark.parametrize('arch', sorted(ARCHS))
def test_towers_build_and_run(arch):
    size, dim = ARCHS[arch]
    with torch.device('meta'):
        backbone = MODELS.build(dict(type='CLIPViT', arch=arch))
        frames = backbone(torch.empty(2, 3, 4, size, size))
        text = build_text_tower(arch)
        tokens = torch.zeros(3, 77, dtype=torch.long)
        embeds = text(tokens)
    assert backbone.embed_dim == dim
    assert frames.shape == (2, 4, dim)
    assert embeds.shape == (3, dim)
    # the architecture really is open_clip's (not a default): patch size
    vision = open_clip.get_model_config(arch)['vision_cfg']
    assert backbone.visual.conv1.kernel_size == (vision['patch_size'], ) * 2
