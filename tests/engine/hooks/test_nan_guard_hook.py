# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTENaNGuardHook`` records on the device every step and reads the
record only every ``interval`` steps and before checkpoints."""
from types import SimpleNamespace

import pytest
import torch

from mote_mmaction.engine.hooks.nan_guard_hook import (MoTENaNGuardHook,
                                                       NonFiniteLossError)


class _Reads:
    """Counts tensor -> Python conversions (each a host sync on a GPU)."""

    def __init__(self, monkeypatch):
        self.count = 0
        for name in ('item', '__bool__', '__float__', '__int__', 'tolist'):
            real = getattr(torch.Tensor, name)
            monkeypatch.setattr(torch.Tensor, name, self._wrap(real))

    def _wrap(self, real):

        def counted(t, *a, **k):
            self.count += 1
            return real(t, *a, **k)

        return counted


def step(hook, it, loss_wmr, epoch=0):
    runner = SimpleNamespace(iter=it, epoch=epoch)
    hook.after_train_iter(
        runner, 0, outputs=dict(loss=torch.tensor(1.0) + loss_wmr,
                                loss_wmr=loss_wmr,
                                top1_acc=torch.tensor(0.5)))
    return runner


def test_no_host_read_between_checks_and_first_bad_iteration_named(
        monkeypatch):
    hook = MoTENaNGuardHook(interval=5)
    reads = _Reads(monkeypatch)
    for it in range(4):  # NaN from iteration index 2 on
        step(hook, it, torch.tensor(float('nan') if it >= 2 else 0.1))
    assert reads.count == 0  # nothing left the device
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 3 \(epoch 1\): loss_wmr=nan, '
                       r'loss=nan\.'):
        step(hook, 4, torch.tensor(float('nan')))  # the 5th: a check
    assert reads.count > 0


def test_finite_run_checks_and_goes_on():
    hook = MoTENaNGuardHook(interval=2)
    for it in range(6):
        step(hook, it, torch.tensor(0.1))
    hook.after_train_epoch(SimpleNamespace(iter=6, epoch=0))


def test_checked_before_every_checkpoint_and_at_epoch_end():
    hook = MoTENaNGuardHook(interval=100)
    runner = step(hook, 0, torch.tensor(float('inf')), epoch=1)
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 1 \(epoch 2\): loss_wmr=inf'):
        hook.before_save_checkpoint(runner, {})
    hook = MoTENaNGuardHook(interval=100)
    step(hook, 0, torch.tensor(0.1))
    runner = step(hook, 1, torch.tensor(float('nan')))
    with pytest.raises(NonFiniteLossError, match='iteration 2 '):
        hook.after_train_epoch(runner)


def test_terms_that_diverge_later_are_marked():
    hook = MoTENaNGuardHook(interval=3)
    step(hook, 0, torch.tensor(0.1))
    runner = SimpleNamespace(iter=1, epoch=0)
    hook.after_train_iter(runner, 0, outputs=dict(
        loss_mse=torch.tensor(float('nan')), loss_cls=torch.tensor(1.0)))
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 2 \(epoch 1\): loss_mse=nan; '
                       r'later loss_cls=inf \(from iteration 3\)\.'):
        hook.after_train_iter(SimpleNamespace(iter=2, epoch=0), 0,
                              outputs=dict(loss_mse=torch.tensor(1.0),
                                           loss_cls=torch.tensor(
                                               float('inf'))))
