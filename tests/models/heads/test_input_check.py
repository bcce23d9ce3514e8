# Copyright (c) OpenMMLab. All rights reserved.
"""MoTEHead names its expected input, and the fix, when given a stock
backbone's features."""
import re

import pytest
import torch
from mmaction.registry import MODELS

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import tiny_mote_model_cfg

FIX = re.compile(r"cls_head\.feature_adapter=dict\(type='MoTEFeatureAdapter',"
                 r' in_channels=(\d+), out_channels=(\d+)\)')


def head_cfg(**kwargs):
    return tiny_mote_model_cfg(['a', 'b'], **kwargs)['cls_head']


@pytest.mark.parametrize('shape, channels', [((2, 48, 8, 1, 1), 48),
                                             ((2, 8, 32), 32), ((2, 40), 40)])
def test_stock_features_name_the_adapter_that_fits(shape, channels):
    """The message names the expected input and a feature_adapter with the
    backbone's C (read off the shape) and the head's D; that adapter, as
    written in the message, turns the same input into frame embeddings."""
    head = MODELS.build(head_cfg())
    head.eval()
    x = torch.randn(*shape)
    with pytest.raises(ValueError) as info:
        head(x)
    msg = str(info.value)
    assert 'expects frame embeddings [N, T, D] with D = in_channels = 64' \
        in msg and str(tuple(shape)) in msg
    assert 'frames per clip' not in msg  # caught before the temporal module
    fix = FIX.search(msg)
    assert fix is not None, msg
    assert (int(fix[1]), int(fix[2])) == (channels, 64)

    fixed = MODELS.build(head_cfg(feature_adapter=dict(
        type='MoTEFeatureAdapter', in_channels=int(fix[1]),
        out_channels=int(fix[2]))))
    frames = 1 if x.dim() == 2 else shape[1 if x.dim() == 3 else 2]
    assert fixed.frame_features(x).shape == (2, frames, 64)


def test_layouts_the_adapter_cannot_take_get_no_adapter_fix():
    """A 2D backbone's [N*T, C, H, W]: suggesting the adapter would fail in
    turn, so the message names the layouts it takes instead."""
    head = MODELS.build(head_cfg())
    with pytest.raises(ValueError) as info:
        head(torch.randn(8, 48, 7, 7))
    msg = str(info.value)
    assert FIX.search(msg) is None
    assert 'MoTEFeatureAdapter takes backbone features [N, C, T, H, W], ' \
        '[N, C] or [N, T, C]' in msg


def test_no_frames_is_named():
    head = MODELS.build(head_cfg())
    with pytest.raises(ValueError, match=r'at least one frame, got shape '
                       r'\(2, 0, 64\)'):
        head(torch.randn(2, 0, 64))
