# Copyright (c) OpenMMLab. All rights reserved.
from typing import List, Optional

from mmaction.registry import HOOKS
from mmengine.hooks import Hook

from ...models.layers.expert_router import MoTERouter, find_routers


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

    def __init__(self) -> None:
        self._routers: Optional[List[MoTERouter]] = None

    def before_train(self, runner) -> None:
        # once: walking the model's modules every step is not free
        self._routers = find_routers(runner.model)

    def before_train_iter(self,
                          runner,
                          batch_idx: int,
                          data_batch=None) -> None:
        if self._routers is None:
            self.before_train(runner)
        for router in self._routers:
            router.set_step(runner.iter)
