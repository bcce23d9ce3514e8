# Copyright (c) OpenMMLab. All rights reserved.
from .clip_vit import CLIPViT

__all__ = ['CLIPViT']
