# Copyright (c) OpenMMLab. All rights reserved.
"""A seeded tiny MoTE model and inputs for the model tests."""
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mote_mmaction  # noqa: F401
from mote_mmaction.testing import tiny_mote_model_cfg

CLASSES = ['moving left', 'moving right', 'growing', 'shrinking']


def build_tiny(**kwargs):
    """A tiny ``MoTERecognizer`` (64-d CLIP) over :data:`CLASSES`, seed 0."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_mote_model_cfg(CLASSES, **kwargs))
    model.init_weights()
    return model


def samples(labels):
    return [ActionDataSample().set_gt_label(int(i)) for i in labels]


def clips(b=2, v=1, t=8, seed=0):
    """Raw clips ``[B, V, 3, T, 32, 32]`` as the data preprocessor gets
    them."""
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (b, v, 3, t, 32, 32), generator=g).float()
