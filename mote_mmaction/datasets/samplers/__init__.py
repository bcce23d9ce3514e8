# Copyright (c) OpenMMLab. All rights reserved.
from .seeded_sampler import MoTESeededSampler

__all__ = ['MoTESeededSampler']
