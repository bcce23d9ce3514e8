# Copyright (c) OpenMMLab. All rights reserved.
"""``MoTENaNGuardHook``: a NaN/inf loss stops training naming the
iteration and the term (all DDP ranks together, nothing checkpointed
after it); the record stays on the device between checks; fp16 gradient
overflow under ``AmpOptimWrapper(loss_scale='dynamic')`` is not a reason
to stop."""
import functools
import glob
import os.path as osp
import uuid
from types import SimpleNamespace

import pytest
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn

from mote_mmaction.engine.hooks import nan_guard_hook
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


def test_nan_guard_names_iteration_and_term():
    hook = MoTENaNGuardHook(interval=1)
    runner = SimpleNamespace(iter=41, epoch=2)
    hook.after_train_iter(
        runner,
        0,
        outputs=dict(loss=torch.tensor(1.0), loss_cls=torch.tensor(0.5)))
    with pytest.raises(
            NonFiniteLossError,
            match=r'iteration 42 \(epoch 3\): loss_wmr=nan, '
            r'loss=inf\.'):
        hook.after_train_iter(
            runner,
            0,
            outputs=dict(
                loss=torch.tensor(float('inf')),
                loss_wmr=torch.tensor(float('nan')),
                top1_acc=torch.tensor(float('nan'))))


def test_nan_guard_stops_all_ranks_together(monkeypatch):
    """Rank 0 is finite, the stand-in rank 1 is not: rank 0 stops too."""
    monkeypatch.setattr(nan_guard_hook, 'get_world_size', lambda: 2)

    def all_reduce(flag):
        flag += 1  # rank 1's flag

    monkeypatch.setattr(nan_guard_hook, 'all_reduce', all_reduce)
    monkeypatch.setattr(nan_guard_hook, 'all_gather_object',
                        lambda obj: [obj, {
                            'loss_mse': float('nan')
                        }])
    with pytest.raises(
            NonFiniteLossError, match=r'iteration 8 .*rank 1: loss_mse=nan'):
        MoTENaNGuardHook(interval=1).after_train_iter(
            SimpleNamespace(iter=7, epoch=0),
            0,
            outputs=dict(loss=torch.tensor(1.0)))


class NaNAtThirdStep(BaseModel):
    """Two loss terms; ``loss_wmr`` is NaN at the third forward."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(1))
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.calls += 1
        loss = (self.w * torch.stack(inputs)).mean()
        bad = float('nan') if self.calls == 3 else 1.0
        return dict(loss_cls=loss, loss_wmr=loss * bad)


def test_nan_guard_stops_a_runner(tmp_path):
    runner = Runner(
        model=NaNAtThirdStep(),
        work_dir=str(tmp_path),
        experiment_name=f'nan_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(2))] * 8,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='MoTENaNGuardHook')],
        default_scope='mmaction')
    with pytest.raises(
            NonFiniteLossError,
            match=r'iteration 3 \(epoch 1\): loss_wmr=nan, '
            r'loss=nan'):
        runner.train()
    assert not glob.glob(osp.join(str(tmp_path), '*.pth'))


class ScriptedLoss(BaseModel):
    """``loss = mean(w * x) * factor``; ``factors`` maps a forward call
    (1-based) to its factor (1 otherwise); ``seen`` keeps ``w`` before
    each forward."""

    def __init__(self, factors):
        super().__init__()
        self.w = nn.Parameter(torch.ones(4))
        self.factors = factors
        self.seen = []

    def forward(self, inputs, data_samples=None, mode='tensor'):
        self.seen.append(self.w.detach().clone())
        factor = self.factors.get(len(self.seen), 1.0)
        return dict(loss=(self.w * torch.stack(inputs)).mean() * factor)


@pytest.fixture
def cpu_amp(monkeypatch):
    """``AmpOptimWrapper`` on CPU: MMEngine's CUDA check patched, a CPU
    ``GradScaler`` standing in for the CUDA one (the dynamic loss scale
    logic is the same)."""
    from mmengine.optim.optimizer import amp_optimizer_wrapper as amp
    monkeypatch.setattr(amp, 'is_cuda_available', lambda: True)
    monkeypatch.setattr(amp, 'GradScaler',
                        functools.partial(torch.amp.GradScaler, 'cpu'))


def amp_runner(model, work_dir):
    """1 epoch of 4 iterations under ``AmpOptimWrapper(loss_scale='dynamic')``
    with the guard checking every iteration; a checkpoint at the end."""
    return Runner(
        model=model,
        work_dir=work_dir,
        experiment_name=f'amp_{uuid.uuid4().hex}',
        train_dataloader=dict(
            dataset=[dict(inputs=torch.ones(4))] * 8,
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2),
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(
            type='AmpOptimWrapper', loss_scale='dynamic',
            optimizer=dict(type='SGD', lr=0.1)),
        custom_hooks=[dict(type='MoTENaNGuardHook', interval=1)],
        default_scope='mmaction',
        log_level='WARNING')


def test_fp16_gradient_overflow_does_not_stop_amp_training(cpu_amp, tmp_path):
    """Step 2's loss is finite but its scaled gradients overflow: the
    scaler skips that step and training goes on to the checkpoint."""
    model = ScriptedLoss({2: 1e35})
    runner = amp_runner(model, str(tmp_path))
    scale = torch.amp.GradScaler('cpu').get_scale()  # the initial scale
    runner.train()
    assert runner.iter == 4
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))
    # the overflow really happened: step 2 left w as it was, the scale
    # went down once, and the other steps updated w
    w = model.seen + [model.w.detach()]
    assert torch.equal(w[2], w[1]) and not torch.equal(w[1], w[0])
    assert torch.all(w[4] < w[3]) and torch.isfinite(w[4]).all()
    assert runner.optim_wrapper.loss_scaler.get_scale() == scale / 2


def test_nan_loss_stops_amp_training(cpu_amp, tmp_path):
    """A NaN loss under AMP is still a diverged forward pass: the guard
    stops at its iteration, before the checkpoint."""
    runner = amp_runner(ScriptedLoss({3: float('nan')}), str(tmp_path))
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 3 \(epoch 1\): loss=nan\.'):
        runner.train()
    assert runner.iter == 2  # the NaN step is not counted
    assert not glob.glob(osp.join(str(tmp_path), '*.pth'))
