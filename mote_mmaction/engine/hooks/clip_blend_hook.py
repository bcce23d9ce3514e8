# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.logging import MMLogger

from ._utils import unwrap

#: Key of a checkpoint's ``meta`` that records a blend already applied
#: (``tools/convert_official_ckpt.py --alpha`` writes it).
BLEND_META_KEY = 'clip_blend_alpha'


@HOOKS.register_module()
class MoTECLIPBlendHook(Hook):
    """Blend the loaded visual weights with the original CLIP before test.

    MoTE's test scripts always evaluate ``alpha * theta_ft + (1 - alpha) *
    theta_clip`` (visual tower and ``logit_scale``, ``alpha = 0.99``). This
    hook does the same once, after ``tools/test.py`` loaded the checkpoint
    (never during training validation):

    * ``alpha`` comes from this hook's argument, else from the model's
      ``test_cfg['clip_blend_alpha']`` (the MoTE configs set 0.99;
      ``--cfg-options model.test_cfg.clip_blend_alpha=None`` turns it off);
    * the CLIP file is ``clip_pretrained``, else the backbone's
      ``pretrained``; with neither (random-weight test models) nothing is
      blended;
    * a checkpoint whose ``meta`` records ``clip_blend_alpha`` (converted
      with ``--alpha``) is already blended and is not blended again, nor is
      a model this hook already blended.

    Args:
        alpha (float, optional): Weight of the fine-tuned weights. Defaults
            to the model's ``test_cfg``.
        clip_pretrained (str, optional): Original CLIP file. Defaults to the
            backbone's ``pretrained``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, alpha: Optional[float] = None,
                 clip_pretrained: Optional[str] = None) -> None:
        self.alpha = alpha
        self.clip_pretrained = clip_pretrained

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
        done = (meta or {}).get(BLEND_META_KEY)
        model = unwrap(runner.model)
        if hasattr(model, 'clip_blend_applied'):
            # fresh weights: blended only if the file says so
            model.clip_blend_applied = None if done is None else float(done)

    def before_test(self, runner) -> None:
        model = unwrap(runner.model)
        if not hasattr(model, 'blend_with_clip'):
            return
        logger = MMLogger.get_current_instance()
        alpha = self.alpha
        if alpha is None:
            alpha = (getattr(model, 'test_cfg', None) or {}).get(
                'clip_blend_alpha')
        if alpha is None:
            return
        if model.clip_blend_applied is not None:
            logger.info('CLIP blend skipped: the weights are already '
                        f'blended (alpha={model.clip_blend_applied}).')
            return
        path = self.clip_pretrained or getattr(model.backbone, 'pretrained',
                                               None)
        if path is None:
            logger.info('CLIP blend skipped: the backbone has no original '
                        'CLIP file (`pretrained` is None).')
            return
        model.blend_with_clip(float(alpha), path)
