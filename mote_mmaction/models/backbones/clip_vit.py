# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional

from mmaction.registry import MODELS
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from torch import Tensor

from ..clip_utils import (ArchType, build_visual_tower, load_clip_state_dict,
                          load_into, sub_state_dict)


@MODELS.register_module()
class CLIPViT(BaseModule):
    """CLIP visual tower applied to every frame of a clip.

    Each frame is encoded independently (no space-time attention); the
    output is the CLS token after ``ln_post`` and ``proj``, not normalised,
    as MoTE's temporal head expects.

    Args:
        arch (str | dict): open_clip model name (``'ViT-B-16'``,
            ``'ViT-L-14'``, any other open_clip name) or an explicit open_clip
            model config dict (``embed_dim``, ``vision_cfg``, ...).
        pretrained (str, optional): Local CLIP file (OpenAI TorchScript or
            state dict, or open_clip checkpoint), loaded in
            :meth:`init_weights`. ``None`` keeps random weights.
        quick_gelu (bool): Use QuickGELU as OpenAI's CLIP. Defaults to True.
        grad_checkpointing (bool): Checkpoint every ViT block to save
            activation memory. Defaults to False.
        frozen (bool): Freeze all weights and keep eval mode.
            Defaults to False (MoTE fine-tunes the visual tower).
        out_format (str): ``'NTD'`` gives ``[N, T, D]`` frame embeddings for
            MoTE's head; ``'NCTHW'`` gives ``[N, D, T, 1, 1]`` so stock
            MMAction2 3D heads (e.g. ``I3DHead``) can pool it.
            Defaults to ``'NTD'``.
        init_cfg (dict, optional): Unused; kept for the BaseModule API.
    """

    def __init__(self,
                 arch: ArchType = 'ViT-B-16',
                 pretrained: Optional[str] = None,
                 quick_gelu: bool = True,
                 grad_checkpointing: bool = False,
                 frozen: bool = False,
                 out_format: str = 'NTD',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if out_format not in ('NTD', 'NCTHW'):
            raise ValueError(f'out_format must be NTD or NCTHW, got '
                             f'{out_format!r}')
        self.arch = arch
        self.pretrained = pretrained
        self.frozen = frozen
        self.out_format = out_format
        self.visual = build_visual_tower(arch, quick_gelu=quick_gelu)
        self.embed_dim = int(self.visual.output_dim)
        if grad_checkpointing:
            self.visual.set_grad_checkpointing(True)
        if frozen:
            self.visual.requires_grad_(False)

    def init_weights(self) -> None:
        """Load the CLIP visual weights from ``pretrained`` if given."""
        if self.pretrained is None:
            return
        state = sub_state_dict(
            load_clip_state_dict(self.pretrained), 'visual.')
        load_into(self.visual, state, self.pretrained)
        MMLogger.get_current_instance().info(
            f'Loaded CLIP visual weights from {self.pretrained}')

    def train(self, mode: bool = True) -> 'CLIPViT':
        super().train(mode)
        if self.frozen:
            self.visual.eval()
        return self

    def forward(self, x: Tensor) -> Tensor:
        """Encode each frame.

        Args:
            x (Tensor): Clips ``[N, C, T, H, W]``.

        Returns:
            Tensor: ``[N, T, D]`` (or ``[N, D, T, 1, 1]`` with
            ``out_format='NCTHW'``).
        """
        n, c, t, h, w = x.shape
        frames = x.transpose(1, 2).reshape(n * t, c, h, w)
        feats = self.visual(frames).reshape(n, t, -1)
        if self.out_format == 'NCTHW':
            return feats.permute(0, 2, 1)[..., None, None]
        return feats
