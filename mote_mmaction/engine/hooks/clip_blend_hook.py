# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ._utils import unwrap


@HOOKS.register_module()
class MoTECLIPBlendHook(Hook):
    """Blend the loaded visual weights with the original CLIP before test.

    MoTE's test scripts evaluate ``0.99 * theta_ft + 0.01 * theta_clip``
    (visual tower and ``logit_scale``); this hook does the same once, after
    the checkpoint is loaded, only for ``tools/test.py`` runs (never during
    training validation).

    Args:
        alpha (float): Weight of the fine-tuned weights. Defaults to 0.99.
        clip_pretrained (str, optional): Original CLIP file. Defaults to the
            backbone's ``pretrained``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, alpha: float = 0.99,
                 clip_pretrained: Optional[str] = None) -> None:
        self.alpha = alpha
        self.clip_pretrained = clip_pretrained

    def before_test(self, runner) -> None:
        model = unwrap(runner.model)
        path = self.clip_pretrained or getattr(model.backbone, 'pretrained',
                                               None)
        if path is None:
            raise ValueError('MoTECLIPBlendHook needs the original CLIP '
                             'weights: set `clip_pretrained` or the '
                             "backbone's `pretrained`.")
        model.blend_with_clip(self.alpha, path)
