# Copyright (c) OpenMMLab. All rights reserved.
import math
from typing import Dict, Optional

import torch
from mmaction.registry import HOOKS
from mmengine.dist import (all_gather_object, all_reduce, get_rank,
                           get_world_size)
from mmengine.hooks import Hook


class NonFiniteLossError(FloatingPointError):
    """Training produced a NaN or infinite loss."""


@HOOKS.register_module()
class MoTENaNGuardHook(Hook):
    """Stop training at the first NaN/inf loss, naming the iteration and
    the loss term(s).

    ``after_train_iter`` receives the log variables of the step; every key
    containing ``'loss'`` (``loss``, ``loss_cls``, ``loss_wmr``,
    ``loss_mse``, ...) is checked. Under DDP a non-finite loss may appear
    on one rank only, so by default the ranks agree through one
    ``all_reduce`` of a flag and all of them stop together (instead of the
    healthy ranks waiting in the next collective until a timeout); the
    message names the rank(s) and their values.

    fp16 gradient overflow is not a reason to stop and never reaches this
    hook as a non-finite loss: ``AmpOptimWrapper(loss_scale='dynamic')``
    (``tools/train.py --amp``) skips the optimizer step and lowers the
    scale when the *gradients* overflow. A non-finite *loss* means the
    forward pass itself diverged; going on would only spread NaNs into the
    weights and the checkpoints. The hook runs before
    ``CheckpointHook`` (priority ``ABOVE_NORMAL``), so the iteration with
    the NaN is never saved.

    Args:
        interval (int): Check every ``interval`` iterations (each check
            copies the losses to the host). Defaults to 1.
        sync_ranks (bool): Agree across ranks under DDP. Defaults to True.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 1, sync_ranks: bool = True) -> None:
        self.interval = interval
        self.sync_ranks = sync_ranks

    @staticmethod
    def _non_finite(outputs: dict) -> Dict[str, float]:
        bad = {}
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            if isinstance(value, torch.Tensor):
                value = value.detach().float()
                if value.numel() != 1:
                    if bool(torch.isfinite(value).all()):
                        continue
                    value = value[~torch.isfinite(value)][0]
                value = value.item()
            value = float(value)
            if not math.isfinite(value):
                bad[key] = value
        return bad

    @staticmethod
    def _format(bad: Dict[str, float]) -> str:
        # the terms first: the total ``loss`` is non-finite because of them
        keys = sorted(bad, key=lambda k: k == 'loss')
        return ', '.join(f'{k}={bad[k]}' for k in keys)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        bad = self._non_finite(outputs) if outputs else {}
        per_rank = {get_rank(): bad} if bad else {}
        if self.sync_ranks and get_world_size() > 1:
            flag = torch.tensor([1.0 if bad else 0.0])
            all_reduce(flag)  # mmengine moves it to the backend's device
            if flag.item() == 0:
                return
            gathered = all_gather_object(bad)
            per_rank = {r: b for r, b in enumerate(gathered) if b}
        if not per_rank:
            return
        if get_world_size() == 1:
            where = self._format(bad)
        else:
            where = '; '.join(f'rank {r}: {self._format(b)}'
                              for r, b in per_rank.items())
        raise NonFiniteLossError(
            f'non-finite loss at iteration {runner.iter + 1} (epoch '
            f'{runner.epoch + 1}): {where}. Training stopped before this '
            'iteration is checkpointed (with fp32/bf16 the optimizer step '
            'has already used the NaN gradients). Lower the learning rate, '
            'check the data of this step, or resume from the last '
            'checkpoint.')
