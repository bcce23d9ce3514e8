# Copyright (c) OpenMMLab. All rights reserved.
"""``configs/mote/k400_accum.py``: the recipe's total batch by gradient
accumulation, and MMEngine's wrapper built from it updates once per
``accumulative_counts`` steps with the averaged gradient."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_total_batch_is_the_recipe_and_updates_are_accumulated():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400_accum.py'))
    base = Config.fromfile(osp.join(REPO, 'configs', 'mote', 'k400.py'))
    counts = cfg.optim_wrapper.accumulative_counts
    assert cfg.num_gpus * cfg.train_dataloader.batch_size * counts == \
        base.auto_scale_lr.base_batch_size == 192
    # the rest of the recipe is k400.py's
    assert cfg.optim_wrapper.optimizer == base.optim_wrapper.optimizer
    assert cfg.param_scheduler == base.param_scheduler

    # the wrapper of the config (fp32 here: AMP needs an accelerator)
    wcfg = cfg.optim_wrapper.copy()
    wcfg.update(type='OptimWrapper')
    wcfg.pop('dtype'), wcfg.pop('loss_scale')
    wcfg.pop('paramwise_cfg')
    wcfg.optimizer.update(type='SGD', lr=1.0, weight_decay=0.0)
    wcfg.optimizer.pop('betas'), wcfg.optimizer.pop('eps')
    model = torch.nn.Linear(3, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    wrapper = build_optim_wrapper(model, wcfg)
    wrapper.initialize_count_status(model, 0, 100)
    xs = torch.arange(12.).reshape(counts, 1, 3)
    for i, x in enumerate(xs):
        wrapper.update_params(model(x).sum())
        if i < counts - 1:  # no update before the last micro-batch
            assert torch.count_nonzero(model.weight) == 0
    # one SGD step with the mean gradient of the micro-batches
    torch.testing.assert_close(model.weight.detach(),
                               -xs.mean(0))
