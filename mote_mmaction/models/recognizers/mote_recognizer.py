# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
from typing import Optional, Sequence, Union

import torch
from mmaction.models.recognizers import Recognizer3D
from mmaction.registry import MODELS
from mmengine.logging import MMLogger

from ...compat.checkpoint_fit import check_fits
from ..clip_utils import load_clip_state_dict, sub_state_dict
from ..official_ckpt import converter_command, is_official_layout


@MODELS.register_module()
class MoTERecognizer(Recognizer3D):
    """Recognizer3D for CLIP video models with a text-defined vocabulary.

    Views ``[B, V, C, T, H, W]`` are flattened by :class:`Recognizer3D`, the
    CLIP backbone gives ``[B*V, T, D]`` and the head scores them against
    its vocabulary. On top of Recognizer3D this class switches the val/test
    vocabulary (zero-shot) and blends the visual weights with the original
    CLIP weights (MoTE's test-time ``alpha`` patch).

    ``test_cfg['clip_blend_alpha']`` (the MoTE configs: 0.99) is the blend
    that :class:`MoTECLIPBlendHook` applies before ``tools/test.py`` runs;
    ``None`` tests the weights as they are.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        #: ``alpha`` of the blend these weights carry (None: unblended).
        self.clip_blend_applied: Optional[float] = None

    def set_vocabulary(self,
                       class_names: Optional[Union[str, Sequence[str]]],
                       source: Optional[str] = None) -> None:
        """Score val/test clips against ``class_names`` (``None``: the
        training vocabulary). See :meth:`MoTEHead.set_vocabulary`."""
        self.cls_head.set_vocabulary(class_names, source)

    def checkpoint_fit_hint(self, state, prefix: str, checkpoint=None,
                            source: Optional[str] = None) -> Optional[str]:
        """Point the MoTE authors' files to the converter, with the command
        for ``source`` (read by
        :func:`mote_mmaction.compat.checkpoint_fit.check_fits`)."""
        if is_official_layout(checkpoint):
            return ('it is in the MoTE authors\' layout (model_state_dict + '
                    'fusion_model_state_dict), which this package reads '
                    'after conversion: run '
                    f'`{converter_command(source or "MoTE_B16.pt")}` and '
                    'load the converted file')
        return None

    @torch.no_grad()
    def blend_with_clip(self, alpha: float, clip_path: str) -> None:
        """``theta = alpha * theta + (1 - alpha) * theta_clip``.

        Applies to the visual tower and ``logit_scale``, the tensors MoTE's
        test scripts blend (alpha = 0.99 there). Call it once, after the
        fine-tuned weights are loaded and before testing; a second call
        raises, as blending twice is a different model.

        Args:
            alpha (float): Weight of the fine-tuned weights, in [0, 1].
            clip_path (str): Local file of the original CLIP weights.
        """
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f'alpha must be in [0, 1], got {alpha}')
        if self.clip_blend_applied is not None:
            raise RuntimeError(
                'these weights are already blended with CLIP (alpha='
                f'{self.clip_blend_applied}); load the checkpoint again '
                'before blending with another alpha')
        if not osp.isfile(clip_path):
            raise FileNotFoundError(
                f'the test-time CLIP blend needs the original CLIP weights '
                f'{clip_path!r}, which do not exist; point the backbone\'s '
                '`pretrained` at them, or turn the blend off with '
                '--cfg-options model.test_cfg.clip_blend_alpha=None')
        state = load_clip_state_dict(clip_path)
        visual = sub_state_dict(state, 'visual.')
        check_fits(self.backbone.visual, visual, clip_path,
                   advice='The blend needs the original CLIP weights of '
                   'the backbone\'s architecture.')
        for name, tensor in self.backbone.visual.state_dict().items():
            if tensor.is_floating_point():
                tensor.mul_(alpha).add_(
                    visual[name].to(tensor), alpha=1.0 - alpha)
        if 'logit_scale' in state:
            scale = self.cls_head.logit_scale
            scale.mul_(alpha).add_(state['logit_scale'].to(scale),
                                   alpha=1.0 - alpha)
        self.clip_blend_applied = float(alpha)
        MMLogger.get_current_instance().info(
            f'Blended visual weights with {clip_path}: alpha={alpha}')
