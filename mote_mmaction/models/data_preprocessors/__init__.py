# Copyright (c) OpenMMLab. All rights reserved.
from .gpu_decode_preprocessor import MoTEGPUDecodePreprocessor, apply_view_plan

__all__ = ['MoTEGPUDecodePreprocessor', 'apply_view_plan']
