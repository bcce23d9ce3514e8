# Copyright (c) OpenMMLab. All rights reserved.
import math
from typing import Dict, Optional, Tuple

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
    the loss term(s), without a host sync or collective every step.

    ``after_train_iter`` receives the log variables of the step; every key
    containing ``'loss'`` (``loss``, ``loss_cls``, ``loss_wmr``,
    ``loss_mse``, ...) is tested *on its device*: the first iteration,
    epoch and value at which each term is non-finite are kept in small
    device tensors (``torch.where``, no copy to the host). Every
    ``interval`` iterations, at the end of each epoch and before every
    checkpoint is written, the record is read once (one host sync) and,
    under DDP, the ranks agree through one ``all_reduce`` of a flag, so
    all of them stop together (instead of the healthy ranks waiting in
    the next collective until a timeout); the message names the first
    non-finite iteration, the rank(s) and their values.

    Between checks training goes on for at most ``interval - 1`` steps on
    NaN weights; nothing is lost by it, because a checkpoint is never
    written before a check (``before_save_checkpoint``; the hook also runs
    before ``CheckpointHook``, priority ``ABOVE_NORMAL``), and the first
    bad iteration is named exactly whatever the interval.

    fp16 gradient overflow is not a reason to stop and never reaches this
    hook as a non-finite loss: ``AmpOptimWrapper(loss_scale='dynamic')``
    (``tools/train.py --amp``) skips the optimizer step and lowers the
    scale when the *gradients* overflow. A non-finite *loss* means the
    forward pass itself diverged; going on would only spread NaNs into the
    weights and the checkpoints.

    Args:
        interval (int): Read the record (host sync, and the collective
            under DDP) every ``interval`` iterations. Defaults to 50.
        sync_ranks (bool): Agree across ranks under DDP. Defaults to True.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, interval: int = 50, sync_ranks: bool = True) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval
        self.sync_ranks = sync_ranks
        # key -> [first bad iteration (-1: none), its epoch, its value]
        self._record: Dict[str, list] = {}
        # python (non-tensor) values, tested on the host
        self._host_bad: Dict[str, Tuple[int, int, float]] = {}
        self._unchecked = 0

    def _note(self, runner, outputs: dict) -> None:
        """Record the first non-finite value of each loss term (device
        ops only)."""
        for key, value in outputs.items():
            if 'loss' not in key:
                continue
            if not isinstance(value, torch.Tensor):
                value = float(value)
                if not math.isfinite(value) and key not in self._host_bad:
                    self._host_bad[key] = (runner.iter, runner.epoch, value)
                continue
            v = value.detach().float()
            finite = torch.isfinite(v).all()
            val = v.reshape(()) if v.numel() == 1 else v.mean()
            rec = self._record.get(key)
            if rec is None:
                rec = self._record[key] = [
                    torch.full((), -1, dtype=torch.long, device=v.device),
                    torch.zeros((), dtype=torch.long, device=v.device),
                    torch.zeros((), device=v.device)
                ]
            newly = (~finite) & (rec[0] < 0)
            rec[0] = torch.where(newly, runner.iter, rec[0])
            rec[1] = torch.where(newly, runner.epoch, rec[1])
            rec[2] = torch.where(newly, val, rec[2])

    def _local_bad(self) -> Dict[str, Tuple[int, int, float]]:
        """``key -> (iteration, epoch, value)`` of the non-finite terms
        (reads the device record)."""
        bad = dict(self._host_bad)
        for key, (it, ep, val) in self._record.items():
            it = int(it)
            if it >= 0 and key not in bad:
                bad[key] = (it, int(ep), float(val))
        return bad

    @staticmethod
    def _format(bad: Dict[str, float], first: Optional[int] = None,
                iters: Optional[Dict[str, int]] = None) -> str:
        """The terms of the first bad iteration (the total ``loss`` last:
        it is non-finite because of them), then those that followed."""
        iters = iters or {}
        later = {k for k in bad
                 if first is not None and iters.get(k, first) != first}
        keys = sorted((k for k in bad if k not in later),
                      key=lambda k: k == 'loss')
        text = ', '.join(f'{k}={bad[k]}' for k in keys)
        if later:
            text += '; later ' + ', '.join(
                f'{k}={bad[k]} (from iteration {iters[k] + 1})'
                for k in sorted(later, key=lambda k: (iters[k], k)))
        return text

    def _check(self, runner) -> None:
        if self._unchecked == 0:
            return
        self._unchecked = 0
        flags = [rec[0] >= 0 for rec in self._record.values()]
        device = next(iter(self._record.values()))[0].device \
            if self._record else torch.device('cpu')
        flag = torch.stack(flags).any().float().reshape(1) if flags else \
            torch.zeros(1, device=device)
        if self._host_bad:
            flag = flag + 1.0
        multi = self.sync_ranks and get_world_size() > 1
        if multi:
            all_reduce(flag)  # mmengine moves it to the backend's device
        if flag.item() == 0:  # the one host sync of a check
            return
        local = self._local_bad()
        payload = {k: v[2] for k, v in local.items()}
        if local:
            first = min(local.values())
            payload.update(iteration=first[0], epoch=first[1])
        per_rank = {get_rank(): payload} if local else {}
        if multi:
            gathered = all_gather_object(payload)
            per_rank = {r: b for r, b in enumerate(gathered) if b}
        firsts = [(b['iteration'], b['epoch']) for b in per_rank.values()
                  if 'iteration' in b]
        it, ep = min(firsts) if firsts else (runner.iter, runner.epoch)
        terms = {
            r: {k: v for k, v in b.items() if k not in ('iteration', 'epoch')}
            for r, b in per_rank.items()
        }
        if not multi:
            where = self._format(terms[get_rank()], it,
                                 {k: v[0] for k, v in local.items()})
        else:
            where = '; '.join(f'rank {r}: {self._format(b)}'
                              for r, b in terms.items())
        raise NonFiniteLossError(
            f'non-finite loss at iteration {it + 1} (epoch {ep + 1}): '
            f'{where}. Training stopped before any later checkpoint is '
            'written (with fp32/bf16 the optimizer step has already used '
            'the NaN gradients). Lower the learning rate, check the data of '
            'this step, or resume from the last checkpoint.')

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if outputs:
            self._note(runner, outputs)
        self._unchecked += 1
        if self.every_n_train_iters(runner, self.interval):
            self._check(runner)

    def after_train_epoch(self, runner) -> None:
        self._check(runner)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        self._check(runner)

    def after_train(self, runner) -> None:
        self._check(runner)
