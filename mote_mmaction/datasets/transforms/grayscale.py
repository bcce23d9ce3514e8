# Copyright (c) OpenMMLab. All rights reserved.
from typing import Sequence, Union

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

# ITU-R 601-2 luma weights (0.299, 0.587, 0.114) in 16-bit fixed point,
# rounded like PIL's ``Image.convert('L')``, which torchvision's
# ``RandomGrayscale`` calls on the PIL frames of MoTE's pipeline.
_LUMA_FIXED = (19595, 38470, 7471)
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def rgb_to_gray3(img: np.ndarray) -> np.ndarray:
    """Grayscale an RGB image and replicate the luma on 3 channels.

    Args:
        img (np.ndarray): ``[..., 3]`` RGB image(s), uint8 or float.

    Returns:
        np.ndarray: The same shape and dtype with R = G = B = luma. For
        uint8 the luma is ``round(0.299 R + 0.587 G + 0.114 B)``.
    """
    if img.shape[-1] != 3:
        raise ValueError(f'expected RGB images [..., 3], got {img.shape}')
    if img.dtype == np.uint8:
        rgb = img.astype(np.uint32)
        luma = (rgb[..., 0] * _LUMA_FIXED[0] + rgb[..., 1] * _LUMA_FIXED[1] +
                rgb[..., 2] * _LUMA_FIXED[2] + (1 << 15)) >> 16
        luma = luma.astype(np.uint8)
    else:
        luma = (img.astype(np.float32) @ _LUMA).astype(img.dtype)
    return np.repeat(luma[..., None], 3, axis=-1)


@TRANSFORMS.register_module()
class MoTERandomGrayscale(BaseTransform):
    """Turn the whole clip grayscale with probability ``p``.

    MoTE's training augmentation (``GroupRandomGrayscale`` of the official
    code): one draw per clip, so every frame of a clip is either left as
    is or converted, never a mix. The luma uses ITU-R 601 weights
    (0.299, 0.587, 0.114), as torchvision's ``rgb_to_grayscale``, and is
    replicated on the 3 channels so later transforms see RGB frames. The
    draw uses numpy's global RNG, like MMAction2's other random transforms
    (``Flip``, ``ColorJitter``), so MMEngine's ``randomness`` seed and
    dataloader worker seeding make it reproducible.

    Required keys:

    - imgs (list[np.ndarray] | np.ndarray): ``[H, W, 3]`` RGB frames, e.g.
      from ``DecordDecode`` and after resizing/cropping (or one
      ``[T, H, W, 3]`` array).

    Modified keys:

    - imgs

    Added keys:

    - grayscale (bool): Whether the clip was converted.

    Args:
        p (float): Probability of converting a clip. Defaults to 0.2.
    """

    def __init__(self, p: float = 0.2) -> None:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f'p must be in [0, 1], got {p}')
        self.p = p

    def transform(self, results: dict) -> dict:
        """Convert ``results['imgs']`` with probability ``p``.

        Args:
            results (dict): The result dict.

        Returns:
            dict: The result dict.
        """
        gray = bool(np.random.rand() < self.p)
        results['grayscale'] = gray
        if gray:
            imgs: Union[np.ndarray, Sequence[np.ndarray]] = results['imgs']
            if isinstance(imgs, np.ndarray):
                results['imgs'] = rgb_to_gray3(imgs)
            else:
                results['imgs'] = [rgb_to_gray3(img) for img in imgs]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(p={self.p})'
