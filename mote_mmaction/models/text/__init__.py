# Copyright (c) OpenMMLab. All rights reserved.
from .text_encoder import MOTE_TEMPLATES, CLIPTextEncoder

__all__ = ['CLIPTextEncoder', 'MOTE_TEMPLATES']
