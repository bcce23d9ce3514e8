# Copyright (c) OpenMMLab. All rights reserved.
"""Frame embeddings from any MMAction2 backbone, for MoTE's text head."""
from mmaction.registry import MODELS
from torch import Tensor, nn


@MODELS.register_module()
class MoTEFeatureAdapter(nn.Module):
    """Turn a stock backbone's features into frame embeddings ``[N, T, D]``.

    ``MoTEHead`` works on one embedding per frame in the text width ``D``.
    CNN backbones (ResNet3d, X3D, ...) give feature maps ``[N, C, T, H, W]``:
    the spatial axes are averaged, one vector per (downsampled) time step.
    Transformer backbones that pool time (TimeSformer, ...) give ``[N, C]``:
    one step. ``[N, T, C]`` is taken as is. A linear map then projects
    ``C`` to ``D``, trained with the head.

    Args:
        in_channels (int): Backbone channels ``C``.
        out_channels (int): Text width ``D`` (the head's ``in_channels``).
        bias (bool): Bias of the projection. Defaults to False.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 bias: bool = False) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.proj = nn.Linear(in_channels, out_channels, bias=bias)
        nn.init.normal_(self.proj.weight, std=in_channels**-0.5)
        if bias:
            nn.init.zeros_(self.proj.bias)

    def forward(self, x: Tensor) -> Tensor:
        """``[N, C, T, H, W]``, ``[N, C]`` or ``[N, T, C]`` features to
        frame embeddings ``[N, T, D]``."""
        if x.dim() == 5:
            x = x.mean(dim=(3, 4)).transpose(1, 2)
        elif x.dim() == 2:
            x = x[:, None]
        if x.dim() != 3 or x.shape[-1] != self.in_channels:
            raise ValueError(
                f'MoTEFeatureAdapter(in_channels={self.in_channels}) takes '
                '[N, C, T, H, W], [N, C] or [N, T, C] features with C = '
                f'{self.in_channels}, got shape {tuple(x.shape)}')
        return self.proj(x)
