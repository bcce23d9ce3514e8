# Copyright (c) OpenMMLab. All rights reserved.
"""CLIP towers for open_clip's architectures (built offline), and CLIP
weights from local files: OpenAI TorchScript / state dict and open_clip
checkpoints, into the backbone and the text encoder."""
import open_clip
import pytest
import torch
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from open_clip.model import CLIP

import mote_mmaction  # noqa: F401
from mote_mmaction.models.clip_utils import (build_text_tower,
                                             load_clip_state_dict)
from mote_mmaction.testing import tiny_clip_arch

register_all_modules()


def random_clip(seed=0, width=64):
    arch = tiny_clip_arch()
    arch['vision_cfg']['width'] = width
    torch.manual_seed(seed)
    model = CLIP(arch['embed_dim'], arch['vision_cfg'], arch['text_cfg'],
                 quick_gelu=True).eval()
    with torch.no_grad():
        model.logit_scale.fill_(4.2)
    return model, arch


def save_as(model, fmt, path):
    if fmt == 'openai_torchscript':
        torch.jit.script(model).save(str(path))
    elif fmt == 'openai_state_dict':  # OpenAI ships fp16 tensors
        torch.save({k: v.half() for k, v in model.state_dict().items()},
                   str(path))
    elif fmt == 'open_clip':
        torch.save(
            dict(
                epoch=3,
                name='tiny',
                state_dict={
                    'module.' + k: v
                    for k, v in model.state_dict().items()
                }), str(path))
    return str(path)


@pytest.mark.parametrize(
    'fmt', ['openai_torchscript', 'openai_state_dict', 'open_clip'])
def test_pretrained_formats_load_into_both_towers(tmp_path, fmt):
    clip, arch = random_clip()
    path = save_as(clip, fmt, tmp_path / f'{fmt}.pt')
    tol = 1e-3 if fmt == 'openai_state_dict' else 1e-6

    backbone = MODELS.build(dict(type='CLIPViT', arch=arch, pretrained=path))
    backbone.init_weights()
    for k, v in clip.visual.state_dict().items():
        assert torch.allclose(backbone.visual.state_dict()[k], v,
                              atol=tol), k
    x = torch.randn(2, 3, 4, 32, 32)
    with torch.no_grad():
        frames = backbone.eval()(x)
        ref = clip.encode_image(x.transpose(1, 2).reshape(8, 3, 32, 32))
    assert torch.allclose(frames.reshape(8, -1), ref, atol=10 * tol)

    enc = MODELS.build(dict(type='CLIPTextEncoder', arch=arch,
                            pretrained=path, templates=['a video of {}.']))
    table = enc.encode(['jumping'])
    with torch.no_grad():
        ref = clip.encode_text(enc.tokenizer(['a video of jumping.']))
    assert torch.allclose(table[0], ref[0] / ref[0].norm(), atol=10 * tol)

    head_cfg = dict(
        type='MoTEHead', num_classes=1, in_channels=64,
        class_names=['jumping'], num_layers=1,
        text_encoder=dict(type='CLIPTextEncoder', arch=arch,
                          pretrained=path))
    head = MODELS.build(head_cfg)
    head.init_weights()
    assert head.logit_scale.item() == pytest.approx(4.2, abs=1e-3)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match='never downloads'):
        load_clip_state_dict(str(tmp_path / 'ViT-B-16.pt'))


def test_not_a_clip_file_is_a_clear_error(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': {'layer.weight': torch.zeros(2)}}, str(path))
    with pytest.raises(KeyError, match='not a CLIP checkpoint'):
        load_clip_state_dict(str(path))


def test_wrong_architecture_is_a_clear_error(tmp_path):
    clip, _ = random_clip(width=96)
    path = save_as(clip, 'openai_state_dict', tmp_path / 'wide.pt')
    backbone = MODELS.build(
        dict(type='CLIPViT', arch=tiny_clip_arch(), pretrained=path))
    with pytest.raises(ValueError,
                       match='does not fit the model.*Check .arch.'):
        backbone.init_weights()


# ----------------------------------------------------------------------
# Both towers build and run for several architectures (on the meta
# device: shapes only, no weights, no download).
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
