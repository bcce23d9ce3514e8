# Copyright (c) OpenMMLab. All rights reserved.
"""Tiny CLIP pre-training: captions, multi-positive targets, and a file
that both towers load through ``pretrained``."""
import numpy as np
import torch
from mmaction.registry import MODELS

from mote_mmaction.testing import tiny_clip_arch
from mote_mmaction.toolkit.demo.tiny_clip_pretrain import (
    _codes, _matches, caption, make_captioned_stills, pretrain_tiny_clip)


def test_caption_states_only_true_attributes():
    rng = np.random.default_rng(0)
    attrs = dict(colour='red', shape='square', size='large',
                 horizontal='left', vertical='middle', motion='growing')
    for _ in range(50):
        text, said = caption(attrs, rng, templates=('a video of {}.', ))
        assert 'red square' in text
        assert all(attrs[k] == v for k, v in said.items())
        assert ('growing' in text) == ('motion' in said)
        assert 'middle' not in text  # only left/right/top/bottom are said


def test_matches_are_multi_positive():
    attrs = [dict(colour='red', shape='square', size='large'),
             dict(colour='red', shape='square', size='small'),
             dict(colour='blue', shape='square', size='small')]
    said = [dict(colour='red', shape='square'),
            dict(colour='red', shape='square', size='small'),
            dict(colour='blue', shape='square')]
    codes = _codes(attrs + said)
    true = _matches(codes[3:], codes[:3])
    assert true.tolist() == [[True, True, False], [False, True, False],
                             [False, False, True]]


def test_stills_cycle_through_every_object():
    images, captions, attrs, _ = make_captioned_stills(18, seed=1)
    assert images.shape == (18, 32, 32, 3)
    assert len({(a['colour'], a['shape']) for a in attrs}) == 18
    assert len(captions) == 18


def test_pretrained_file_loads_into_both_towers(tmp_path):
    arch = tiny_clip_arch()
    arch['text_cfg']['context_length'] = 32
    path = str(tmp_path / 'tiny_clip.pth')
    stats = pretrain_tiny_clip(arch, path, num_images=256, steps=8,
                               batch_size=32, seed=0)
    assert stats['object_chance'] == 1 / 18
    assert np.isfinite(stats['final_loss'])
    state = torch.load(path, map_location='cpu', weights_only=True)
    backbone = MODELS.build(dict(type='CLIPViT', arch=arch, pretrained=path))
    backbone.init_weights()
    for k, v in backbone.visual.state_dict().items():
        assert torch.equal(v, state['visual.' + k]), k
    enc = MODELS.build(
        dict(type='CLIPTextEncoder', arch=arch, pretrained=path))
    assert enc.logit_scale == float(state['logit_scale'])
    table = enc.encode(['red square', 'blue circle'])
    assert table.shape == (2, 64)
    # trained, not random: differs from the seeded random tower
    rand = MODELS.build(dict(type='CLIPTextEncoder', arch=arch))
    assert not torch.allclose(table, rand.encode(['red square',
                                                  'blue circle']))
