# Copyright (c) OpenMMLab. All rights reserved.
"""The input contract of MoTE's head, checked with one clear message."""
import torch


def check_frame_features(x, in_channels: int) -> None:
    """Raise unless ``x`` is ``[N, T, D]`` frame embeddings with
    ``D == in_channels``.

    A stock MMAction2 backbone gives ``[N, C, T, H, W]`` feature maps (e.g.
    X3D's ``[N, C, T, 1, 1]``); without this check the head would read one
    of those axes as frames and fail far from the cause.

    Args:
        x: The head's input.
        in_channels (int): The configured embedding width ``D``.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError('MoTEHead expects frame embeddings [N, T, D] as a '
                        f'Tensor, got {type(x).__name__}')
    if x.dim() != 3 or x.shape[-1] != in_channels or x.shape[1] < 1:
        raise ValueError(
            f'MoTEHead expects frame embeddings [N, T, D] with D = '
            f'in_channels = {in_channels} (one CLIP embedding per frame, '
            f'as CLIPViT gives), got shape {tuple(x.shape)}. A stock '
            'backbone outputs feature maps [N, C, T, H, W]; use a CLIP '
            'visual backbone or a head made for it, and check in_channels.')
