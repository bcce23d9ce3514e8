# Copyright (c) OpenMMLab. All rights reserved.
from .grayscale import MoTERandomGrayscale

__all__ = ['MoTERandomGrayscale']
