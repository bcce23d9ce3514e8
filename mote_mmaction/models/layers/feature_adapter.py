# Copyright (c) OpenMMLab. All rights reserved.
"""Frame embeddings from any MMAction2 backbone, for MoTE's text head."""
from typing import List, Optional, Union

from mmaction.registry import MODELS
from mmengine.model import BaseModule
from torch import Tensor, nn


@MODELS.register_module()
class MoTEFeatureAdapter(BaseModule):
    """Turn a stock backbone's features into frame embeddings ``[N, T, D]``.

    ``MoTEHead`` works on one embedding per frame in the text width ``D``.
    CNN backbones (ResNet3d, X3D, ...) and video Swin give feature maps
    ``[N, C, T, H, W]``: the spatial axes are averaged, one vector per
    (downsampled) time step. Transformer backbones that pool time
    (TimeSformer, ...) give ``[N, C]``: one step. ``[N, T, C]`` is taken as
    is. A linear map then projects ``C`` to ``D``, trained with the head.

    Args:
        in_channels (int): Backbone channels ``C``.
        out_channels (int): Text width ``D`` (the head's ``in_channels``).
        bias (bool): Bias of the projection. Defaults to False.
        init_cfg (dict or list[dict], optional): Initialization config.
            Defaults to ``dict(type='Normal', layer='Linear',
            std=in_channels ** -0.5, bias=0.)``: unit-variance embeddings
            for unit-variance features.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 bias: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = None) -> None:
        if init_cfg is None:
            init_cfg = dict(type='Normal', layer='Linear',
                            std=in_channels**-0.5, bias=0.)
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.proj = nn.Linear(in_channels, out_channels, bias=bias)

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
