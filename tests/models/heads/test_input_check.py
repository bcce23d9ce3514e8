# Copyright (c) OpenMMLab. All rights reserved.
"""MoTEHead names its expected input when given a stock backbone's
feature maps."""
import pytest
import torch
from mmaction.registry import MODELS

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import tiny_mote_model_cfg


@pytest.mark.parametrize('shape', [(2, 64, 8, 1, 1), (2, 8, 32), (2, 64)])
def test_non_clip_features_are_named(shape):
    head = MODELS.build(tiny_mote_model_cfg(['a', 'b'])['cls_head'])
    head.eval()
    with pytest.raises(ValueError) as info:
        head(torch.randn(*shape))
    msg = str(info.value)
    assert 'expects frame embeddings [N, T, D] with D = in_channels = 64' \
        in msg and str(tuple(shape)) in msg
    assert 'frames per clip' not in msg
