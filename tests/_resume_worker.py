# Copyright (c) OpenMMLab. All rights reserved.
"""The training run that tests/test_resume.py kills with SIGKILL.

    python tests/_resume_worker.py CONFIG.py NUM_THREADS

Trains ``CONFIG.py`` (dumped by the test); its ``_MarkAndWaitHook`` writes
a marker file once the checkpoint of iteration ``at`` is on disk and then
waits there to be killed.
"""
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import torch  # noqa: E402
from mmaction.registry import HOOKS  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

import mote_mmaction  # noqa: E402,F401


@HOOKS.register_module(force=True)
class _CountItersHook(Hook):
    """Records ``runner.iter`` of every iteration run."""

    def __init__(self) -> None:
        self.iters = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.iters.append(runner.iter)


@HOOKS.register_module(force=True)
class _MarkAndWaitHook(Hook):
    # after the checkpoint hooks (VERY_LOW) of the same iteration
    priority = 'LOWEST'

    def __init__(self, at: int, marker: str) -> None:
        self.at, self.marker = at, marker

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.at:
            with open(self.marker, 'w') as f:
                f.write(str(runner.iter + 1))
            time.sleep(600)  # killed here, workers alive, mid-epoch


def main():
    torch.set_num_threads(int(sys.argv[2]))  # as the test's own runs
    Runner.from_cfg(Config.fromfile(sys.argv[1])).train()
    sys.exit('trained to the end: the test did not kill this run')


if __name__ == '__main__':
    main()
