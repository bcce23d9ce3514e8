# Copyright (c) OpenMMLab. All rights reserved.
from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ...models.layers.expert_router import set_routing_step


@HOOKS.register_module()
class MoTERoutingStepHook(Hook):
    """Give MoTE's expert routers the training step before each iteration.

    A router's draws are a function of ``(seed, step, call, rank)``; the
    step is ``runner.iter``, which MMEngine restores on resume, so a resumed
    run draws the experts and merge temperatures the uninterrupted run
    would have. Models without a :class:`~mote_mmaction.models.layers.
    MoTERouter` (stock MMAction2 heads) are left alone.

    Runs at ``'VERY_HIGH'`` priority: before any other hook of the
    iteration can run the model.
    """

    priority = 'VERY_HIGH'

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        set_routing_step(runner.model, runner.iter)
