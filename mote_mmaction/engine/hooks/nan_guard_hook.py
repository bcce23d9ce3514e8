# Copyright (c) OpenMMLab. All rights reserved.
import math

from mmaction.registry import HOOKS
from mmengine.hooks import Hook


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss."""


@HOOKS.register_module()
class MoTENaNGuardHook(Hook):
    """Stop training at the first NaN/inf loss, naming iteration and term.

    fp16 gradient overflow is handled before this point by
    ``AmpOptimWrapper(loss_scale='dynamic')``, which skips the step and
    lowers the scale; a non-finite *loss* means the forward pass itself
    diverged, and going on would only spread NaNs into the weights.

    Args:
        interval (int): Check every ``interval`` iterations (each check
            reads the losses on the host). Defaults to 1.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1) -> None:
        self.interval = interval

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if not outputs or not self.every_n_train_iters(runner, self.interval):
            return
        bad = {}
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            value = float(value)
            if not math.isfinite(value):
                bad[key] = value
        if bad:
            raise NonFiniteLossError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): ' + ', '.join(
                    f'{k}={v}' for k, v in bad.items()) +
                '. Lower the learning rate, check the data of this step, or '
                'use bf16/fp32.')
