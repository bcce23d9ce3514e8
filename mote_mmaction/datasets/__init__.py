# Copyright (c) OpenMMLab. All rights reserved.
from .transforms import *  # noqa: F401,F403
from .video_dataset import MoTEVideoDataset

__all__ = ['MoTEVideoDataset']
