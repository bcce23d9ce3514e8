# Copyright (c) OpenMMLab. All rights reserved.
from .backbones import CLIPViT
from .data_preprocessors import MoTEGPUDecodePreprocessor
from .heads import MoTEHead
from .losses import MoTEFeatureMSELoss
from .recognizers import MoTERecognizer
from .text import CLIPTextEncoder

__all__ = [
    'CLIPViT', 'CLIPTextEncoder', 'MoTEHead', 'MoTEFeatureMSELoss',
    'MoTERecognizer', 'MoTEGPUDecodePreprocessor'
]
