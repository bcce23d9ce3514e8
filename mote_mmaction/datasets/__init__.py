# Copyright (c) OpenMMLab. All rights reserved.
from .transforms import *  # noqa: F401,F403
from .repeat_to_length import MoTERepeatToLength
from .video_dataset import MoTEVideoDataset

__all__ = ['MoTERepeatToLength', 'MoTEVideoDataset']
