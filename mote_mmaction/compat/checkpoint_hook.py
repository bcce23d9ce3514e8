# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
from typing import List

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from .atomic_io import atomic_write_text, remove_stale_temporaries


class _DeferredRemovals:
    """A file backend whose ``remove``/``rmtree`` wait for :meth:`flush`.

    ``CheckpointHook`` deletes the previous best checkpoint before writing
    the new one; through this proxy the deletion happens only after the
    new file is complete.
    """

    def __init__(self, backend) -> None:
        self._backend = backend
        self.pending: List[str] = []

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def remove(self, path) -> None:
        self.pending.append(path)

    def rmtree(self, path) -> None:
        self.pending.append(path)

    def flush(self, keep=()) -> None:
        """Delete the deferred paths, except those in ``keep``."""
        keep = {osp.normpath(str(p)) for p in keep if p}
        pending, self.pending = self.pending, []
        for path in pending:
            if osp.normpath(str(path)) in keep:
                continue
            if self._backend.isfile(path):
                self._backend.remove(path)
            elif self._backend.isdir(path):  # deepspeed saves folders
                self._backend.rmtree(path)


@HOOKS.register_module()
class MoTECheckpointHook(CheckpointHook):
    """``CheckpointHook`` that a crash at any moment cannot leave without a
    complete checkpoint.

    MMEngine's hook deletes the oldest checkpoint (``max_keep_ckpts``) and
    the previous best one *before* writing the new one, and writes
    ``last_checkpoint`` in place; a kill during the save can leave half a
    file and no complete one. Here:

    * each checkpoint is written to a temporary file in the same folder,
      ``fsync``-ed and renamed (the compat patch of MMEngine's
      ``save_checkpoint``; see :mod:`mote_mmaction.compat.atomic_io`);
    * ``last_checkpoint`` is replaced atomically, after the checkpoint it
      names is complete;
    * outdated checkpoints are deleted only after that;
    * temporary files a killed save left are removed before training.

    Arguments and behaviour are otherwise those of ``CheckpointHook``
    (``configs/_base_/default_runtime.py`` uses it; ``tools/train.py``
    upgrades a config's plain ``CheckpointHook`` to it).
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and osp.isdir(str(self.out_dir)):
            for tmp in remove_stale_temporaries(str(self.out_dir)):
                runner.logger.warning(
                    f'removed {tmp}, left by a checkpoint save that did not '
                    'finish')
        if not isinstance(self.file_backend, _DeferredRemovals):
            self.file_backend = _DeferredRemovals(self.file_backend)

    def _kept(self) -> list:
        return [self.last_ckpt, getattr(self, 'best_ckpt_path', None),
                *getattr(self, 'best_ckpt_path_dict', {}).values()]

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        name = self.filename_tmpl.format(step)
        outdated = None
        # _save_best_checkpoint saves the same step again: nothing expires
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        self.last_ckpt = self.file_backend.join_path(self.out_dir, name)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            name,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_text(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if outdated is not None:
            self.file_backend.remove(
                self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(outdated)))
        self.file_backend.flush(keep=self._kept())

    def _save_best_checkpoint(self, runner, metrics) -> None:
        super()._save_best_checkpoint(runner, metrics)
        if is_main_process():
            self.file_backend.flush(keep=self._kept())
