# Copyright (c) OpenMMLab. All rights reserved.
from .grayscale import MoTERandomGrayscale
from .video_decode import MoTEVideoDecode, MoTEVideoInit
from .video_readers import VIDEO_READERS, VideoReader, open_video

__all__ = [
    'MoTERandomGrayscale', 'MoTEVideoInit', 'MoTEVideoDecode',
    'VIDEO_READERS', 'VideoReader', 'open_video'
]
