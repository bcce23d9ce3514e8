# Copyright (c) OpenMMLab. All rights reserved.
from .mote_head import MoTEHead

__all__ = ['MoTEHead']
