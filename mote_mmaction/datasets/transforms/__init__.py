# Copyright (c) OpenMMLab. All rights reserved.
from .compressed_video import (MoTEDeferredTestViews, MoTELazyGrayscale,
                               MoTEPackVideoBytes, MoTEVideoReadBytes)
from .grayscale import MoTERandomGrayscale
from .eval_sampling import MoTETestSample, mote_test_indices
from .eval_views import MoTETestCrop, MoTETestResize
from .video_decode import MoTEVideoDecode, MoTEVideoInit
from .video_readers import VIDEO_READERS, VideoReader, open_video

__all__ = [
    'MoTERandomGrayscale', 'MoTEVideoInit', 'MoTEVideoDecode',
    'VIDEO_READERS', 'VideoReader', 'open_video', 'MoTETestSample',
    'mote_test_indices', 'MoTETestCrop', 'MoTETestResize',
    'MoTEVideoReadBytes', 'MoTELazyGrayscale', 'MoTEDeferredTestViews',
    'MoTEPackVideoBytes'
]
