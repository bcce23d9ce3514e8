# Copyright (c) OpenMMLab. All rights reserved.
from types import SimpleNamespace

import pytest
import torch

from mote_mmaction.engine.hooks.nan_guard_hook import (MoTENaNGuardHook,
                                                       NonFiniteLossError)


def test_nan_loss_stops_with_iteration_and_term():
    hook = MoTENaNGuardHook()
    runner = SimpleNamespace(iter=41, epoch=2)
    hook.after_train_iter(runner, 0, outputs=dict(
        loss=torch.tensor(1.0), loss_cls=torch.tensor(0.5)))
    with pytest.raises(NonFiniteLossError,
                       match=r'iteration 42 \(epoch 3\): loss_wmr=nan'):
        hook.after_train_iter(runner, 0, outputs=dict(
            loss=torch.tensor(1.0), loss_wmr=torch.tensor(float('nan')),
            top1_acc=torch.tensor(float('nan'))))
