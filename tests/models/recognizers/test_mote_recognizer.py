# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
from mmaction.registry import MODELS

from _tiny_model import CLASSES, build_tiny, clips, samples


def test_multi_view_fusion_is_mean_of_softmax():
    model = build_tiny(num_layers=1).eval()
    x = clips(b=2, v=3)
    with torch.no_grad():
        out = model(x, samples([0, 1]), mode='predict')
        feats = model.backbone(x.view(6, 3, 8, 32, 32))
        cos = model.cls_head(feats).view(2, 3, -1)
    expected = cos.softmax(-1).mean(1)
    for i in range(2):
        assert torch.allclose(out[i].pred_score, expected[i], atol=1e-6)


def test_text_tower_is_outside_the_model():
    model = build_tiny(num_layers=1)
    model.cls_head.train_table()
    names = [k for k, _ in model.named_parameters()]
    assert not any('text' in k or 'token_embedding' in k for k in names)
    keys = list(model.state_dict())
    assert 'cls_head.train_class_embeds' in keys
    assert not any('token_embedding' in k for k in keys)
    table = model.cls_head.train_class_embeds
    assert torch.allclose(table.norm(dim=-1), torch.ones(len(CLASSES)))


@pytest.mark.parametrize('arch,expected', [('ViT-B-16', 98.8),
                                           ('ViT-L-14', 346.6)])
def test_deploy_parameter_count_matches_paper(arch, expected):
    from mote_mmaction.models.clip_utils import resolve_arch
    layers = 4 if arch == 'ViT-B-16' else 6
    d = resolve_arch(arch)['embed_dim']
    with torch.device('meta'):
        model = MODELS.build(
            dict(
                type='MoTERecognizer',
                backbone=dict(type='CLIPViT', arch=arch),
                cls_head=dict(
                    type='MoTEHead',
                    num_classes=2,
                    in_channels=d,
                    class_names=['a', 'b'],
                    text_encoder=dict(type='CLIPTextEncoder', arch=arch),
                    num_layers=layers,
                    num_experts=1)))
    n = sum(p.numel() for p in model.parameters()) / 1e6
    assert n == pytest.approx(expected, abs=0.1)
