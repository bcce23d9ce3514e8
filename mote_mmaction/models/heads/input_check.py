# Copyright (c) OpenMMLab. All rights reserved.
"""The input contract of MoTE's head, checked with one clear message."""
import torch


def _fix(x: torch.Tensor, in_channels: int) -> str:
    """How to give the head ``[N, T, D]``: for the shapes a
    ``MoTEFeatureAdapter`` takes, the adapter with the backbone's ``C``."""
    if x.dim() not in (2, 3, 5):
        return ('MoTEFeatureAdapter takes backbone features [N, C, T, H, W], '
                '[N, C] or [N, T, C]; bring the backbone output to one of '
                "these (e.g. a 2D backbone's [N*T, C, H, W] to "
                '[N, C, T, H, W])')
    channels = x.shape[-1] if x.dim() == 3 else x.shape[1]
    return ('For a stock backbone (feature maps [N, C, T, H, W], pooled '
            "[N, C] or tokens [N, T, C]) set cls_head.feature_adapter=dict("
            f"type='MoTEFeatureAdapter', in_channels={channels}, "
            f'out_channels={in_channels}) (a feature_adapter already set '
            'needs out_channels = in_channels); with a CLIP backbone, check '
            'in_channels')


def check_frame_features(x, in_channels: int) -> None:
    """Raise unless ``x`` is ``[N, T, D]`` frame embeddings with
    ``D == in_channels``.

    A stock MMAction2 backbone gives ``[N, C, T, H, W]`` feature maps (e.g.
    X3D's ``[N, C, T, 1, 1]``); without this check the head would read one
    of those axes as frames and fail far from the cause. The message names
    the fix: a ``MoTEFeatureAdapter`` from the backbone's ``C`` to ``D``.

    Args:
        x: The head's input.
        in_channels (int): The configured embedding width ``D``.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError('MoTEHead expects frame embeddings [N, T, D] as a '
                        f'Tensor, got {type(x).__name__}')
    if x.dim() == 3 and x.shape[-1] == in_channels and x.shape[1] < 1:
        raise ValueError(
            'MoTEHead expects frame embeddings [N, T, D] with at least one '
            f'frame, got shape {tuple(x.shape)}')
    if x.dim() != 3 or x.shape[-1] != in_channels:
        raise ValueError(
            f'MoTEHead expects frame embeddings [N, T, D] with D = '
            f'in_channels = {in_channels} (one CLIP embedding per frame, '
            f'as CLIPViT gives), got shape {tuple(x.shape)}. '
            f'{_fix(x, in_channels)}.')
