# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional, Tuple

import torch
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ...models.layers.temporal_modulation import temporal_modulation
from ._utils import unwrap


@HOOKS.register_module()
class MoTETFMLogHook(Hook):
    """Log Temporal Feature Modulation's ``rho`` once per vocabulary.

    TFM scales the temporal residual of each val/test clip by ``rho`` in
    ``(0, 1]`` from how the test vocabulary relates to the training one
    (``rho = 1``: the same vocabulary). On the first val/test batch after
    the vocabulary changed, this hook logs the mean, min and max of
    ``rho`` over that batch's clips (views), recomputed from the head's
    input; later batches and unchanged vocabularies log nothing. Models
    without a MoTE head are left alone.
    """

    priority = 'NORMAL'

    def __init__(self) -> None:
        self._handle = None
        self._logged: Optional[Tuple] = None

    def _arm(self, runner, stage: str) -> None:
        head = getattr(unwrap(runner.model), 'cls_head', None)
        if head is None or not hasattr(head, 'eval_table') or \
                not hasattr(head, 'tfm'):
            return

        def first_forward(module, args, output) -> None:
            self._disarm()
            if not module.training:
                self._log(runner, module, args[0], stage)

        self._handle = head.register_forward_hook(first_forward)

    def _disarm(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    @torch.no_grad()
    def _log(self, runner, head, x: torch.Tensor, stage: str) -> None:
        table, same = head.eval_table()
        key = (same, tuple(table.shape), float(table[0].sum()),
               float(table[-1].sum()))
        if key == self._logged:
            return
        self._logged = key
        if same or head.tfm is None:
            why = ('the training vocabulary' if same else 'TFM is off')
            runner.logger.info(f'TFM ({stage}): rho = 1 ({why})')
            return
        rho = temporal_modulation(head.frame_features(x), table,
                                  head.train_table(), **head.tfm)
        runner.logger.info(
            f'TFM ({stage}, vocabulary of {table.shape[0]} classes): rho '
            f'over the first batch\'s {rho.numel()} clip views: mean '
            f'{rho.mean():.4f}, min {rho.min():.4f}, max {rho.max():.4f}')

    def before_val_epoch(self, runner) -> None:
        self._arm(runner, 'val')

    def before_test_epoch(self, runner) -> None:
        self._arm(runner, 'test')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._disarm()

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._disarm()
