# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import EMAHook, Hook

from ...models.deploy import count_experts, save_merged_checkpoint
from ...compat.atomic_io import atomic_write_text
from ._utils import unwrap


@HOOKS.register_module()
class MoTEMergedExportHook(Hook):
    """Write a deployable checkpoint with experts merged after training.

    Produces ``<work_dir>/<out_file>`` (the single-FFN model plus the
    training class table) and ``<work_dir>/deploy_config.py`` (the training
    config with ``num_experts=1``; its runs log to ``<work_dir>/deploy``),
    each written atomically (a crash never
    leaves half a file). With MMEngine's ``EMAHook`` the averaged weights
    (experts included) are merged.
    Only rank 0 writes. A model without MoTE experts
    (e.g. a stock MMAction2 head) is skipped with one warning.

    Args:
        out_file (str): File name in the work dir.
            Defaults to ``'mote_merged.pth'``.
        coeffs (Sequence[float], optional): Merge weights; uniform if None.
    """

    priority = 'LOW'

    def __init__(self, out_file: str = 'mote_merged.pth',
                 coeffs: Optional[Sequence[float]] = None) -> None:
        self.out_file = out_file
        self.coeffs = coeffs

    @staticmethod
    def _weights(runner) -> Tuple[dict, bool]:
        """The weights to export and whether they are EMA weights.

        With MMEngine's ``EMAHook`` the averaged model is what val, test and
        checkpoints use, so it is also what gets merged.
        """
        for hook in getattr(runner, 'hooks', ()):
            if isinstance(hook, EMAHook) and hasattr(hook, 'ema_model'):
                return hook.ema_model.module.state_dict(), True
        return unwrap(runner.model).state_dict(), False

    def after_train(self, runner) -> None:
        if not is_main_process():
            return
        state, ema = self._weights(runner)
        if count_experts(state) == 0:
            runner.logger.warning(
                'MoTEMergedExportHook: the model has no MoTE experts '
                '(`*.mlp.fc_up.<e>.*`), so there is nothing to merge; no '
                f'{self.out_file} is written.')
            return
        path = osp.join(runner.work_dir, self.out_file)
        save_merged_checkpoint(
            state, path, self.coeffs,
            meta=dict(epoch=runner.epoch, iter=runner.iter, ema=ema))
        cfg = runner.cfg.copy()
        cfg.model.cls_head.num_experts = 1
        cfg.load_from = path
        # Runs of the deploy config (tools/test.py) dump their config,
        # --cfg-options included, as <work_dir>/deploy_config.py: a folder
        # of their own keeps them from overwriting this file.
        cfg.work_dir = osp.join(runner.work_dir, 'deploy')
        atomic_write_text(
            osp.join(runner.work_dir, 'deploy_config.py'), cfg.pretty_text)
        runner.logger.info(f'Merged-expert model written to {path}' +
                           (' (EMA weights)' if ema else ''))
