# Copyright (c) OpenMMLab. All rights reserved.
"""The MoTE authors' spatial test views: short-side resize, 1 or 3 crops.

The authors resize and crop PIL frames with torchvision (``GroupScale``,
``GroupCenterCrop``, ``GroupFullResSample``). MMAction2's ``Resize``,
``CenterCrop`` and ``ThreeCrop`` use OpenCV and other rounding, which moves
the long side and the crops by a pixel or two and changes the bicubic
kernel (PIL antialiases when it downsamples). These two transforms give
the authors' pixels.
"""
from typing import Dict, List, Tuple

import mmcv
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


def short_side_size(height: int, width: int, short_side: int
                    ) -> Tuple[int, int]:
    """``(h, w)`` with the short side ``short_side``, as torchvision's
    ``Resize(int)``: the long side is truncated, not rounded."""
    if height <= width:
        return short_side, int(short_side * width / height)
    return int(short_side * height / width), short_side


@TRANSFORMS.register_module()
class MoTETestResize(BaseTransform):
    """Resize every frame so that its short side is ``short_side``.

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``. Added:
    ``keep_ratio``, ``scale_factor``.

    Args:
        short_side (int): Target short side. Defaults to 224.
        interpolation (str): Defaults to ``'bicubic'`` (the authors').
        backend (str): ``'pillow'`` (the authors' pixels) or ``'cv2'``
            (faster). Defaults to ``'pillow'``.
    """

    def __init__(self,
                 short_side: int = 224,
                 interpolation: str = 'bicubic',
                 backend: str = 'pillow') -> None:
        if backend not in ('pillow', 'cv2'):
            raise ValueError(f"backend must be 'pillow' or 'cv2', got "
                             f'{backend!r}')
        self.short_side = short_side
        self.interpolation = interpolation
        self.backend = backend

    def transform(self, results: Dict) -> Dict:
        imgs: List[np.ndarray] = results['imgs']
        h, w = imgs[0].shape[:2]
        new_h, new_w = short_side_size(h, w, self.short_side)
        if (new_h, new_w) != (h, w):  # torchvision returns such frames as is
            imgs = [
                mmcv.imresize(img, (new_w, new_h),
                              interpolation=self.interpolation,
                              backend=self.backend) for img in imgs
            ]
        results['imgs'] = imgs
        results['img_shape'] = (new_h, new_w)
        results['keep_ratio'] = True
        factor = np.array([new_w / w, new_h / h], dtype=np.float32)
        results['scale_factor'] = results.get('scale_factor', 1.0) * factor
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(short_side={self.short_side}, '
                f'interpolation={self.interpolation}, '
                f'backend={self.backend})')


def mote_crop_offsets(height: int, width: int, crop_size: int,
                      num_crops: int) -> List[Tuple[int, int]]:
    """``(x, y)`` of the authors' test crops.

    One crop: torchvision's ``CenterCrop`` (``round`` of half the margin,
    ties to even). Three crops: ``GroupFullResSample`` without flip, in its
    order left, right, centre, at multiples of a quarter of the margin. For
    a portrait frame (width = crop) the three crops coincide, as there.
    """
    if height < crop_size or width < crop_size:
        raise ValueError(f'frames of {height}x{width} are smaller than the '
                         f'{crop_size} px crop; resize them first')
    if num_crops == 1:
        return [(int(round((width - crop_size) / 2.0)),
                 int(round((height - crop_size) / 2.0)))]
    w_step = (width - crop_size) // 4
    h_step = (height - crop_size) // 4
    return [(0, 2 * h_step), (4 * w_step, 2 * h_step),
            (2 * w_step, 2 * h_step)]


@TRANSFORMS.register_module()
class MoTETestCrop(BaseTransform):
    """The authors' 1 centre crop or 3 full-short-side crops per clip.

    Crops are stacked crop by crop (all frames of crop 1, then crop 2...),
    as MMAction2's ``ThreeCrop``, so ``FormatShape`` gives
    ``num_crops * num_clips`` views.

    Required keys: ``imgs``. Modified: ``imgs``, ``img_shape``. Added:
    ``crop_bbox`` (``[num_crops * len(imgs), 4]`` for 3 crops, ``[4]`` for
    one, as MMAction2).

    Args:
        crop_size (int): Square crop side. Defaults to 224.
        num_crops (int): 1 or 3. Defaults to 1.
    """

    def __init__(self, crop_size: int = 224, num_crops: int = 1) -> None:
        if num_crops not in (1, 3):
            raise ValueError(f'num_crops must be 1 or 3, got {num_crops}')
        self.crop_size = crop_size
        self.num_crops = num_crops

    def transform(self, results: Dict) -> Dict:
        imgs: List[np.ndarray] = results['imgs']
        h, w = imgs[0].shape[:2]
        size = self.crop_size
        crops, boxes = [], []
        for x, y in mote_crop_offsets(h, w, size, self.num_crops):
            crops.extend(img[y:y + size, x:x + size] for img in imgs)
            boxes.extend([[x, y, x + size, y + size]] * len(imgs))
        results['imgs'] = crops
        results['img_shape'] = (size, size)
        results['crop_bbox'] = np.array(
            boxes[0] if self.num_crops == 1 else boxes)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'num_crops={self.num_crops})')
