# Copyright (c) OpenMMLab. All rights reserved.
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@TRANSFORMS.register_module()
class MoTERandomGrayscale(BaseTransform):
    """Turn the whole clip grayscale with probability ``p``.

    One draw per clip, so all frames agree (MoTE's augmentation). Luma uses
    ITU-R 601 weights, as torchvision's ``rgb_to_grayscale``; the result is
    replicated on 3 channels.

    Required keys: ``imgs`` (list of ``[H, W, 3]`` uint8 RGB frames).
    Modified keys: ``imgs``. Added keys: ``grayscale``.

    Args:
        p (float): Probability. Defaults to 0.2.
    """

    def __init__(self, p: float = 0.2) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f'p must be in [0, 1], got {p}')
        self.p = p

    def transform(self, results: dict) -> dict:
        gray = bool(np.random.rand() < self.p)
        results['grayscale'] = gray
        if gray:
            out = []
            for img in results['imgs']:
                y = img.astype(np.float32) @ _LUMA
                y = np.clip(np.rint(y), 0, 255).astype(img.dtype)
                out.append(np.repeat(y[..., None], 3, axis=2))
            results['imgs'] = out
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(p={self.p})'
