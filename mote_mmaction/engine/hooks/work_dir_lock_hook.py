# Copyright (c) OpenMMLab. All rights reserved.
from typing import Optional

from mmaction.registry import HOOKS
from mmengine.dist import broadcast_object_list, get_rank
from mmengine.hooks import Hook

from ...compat.run_dir import WorkDirBusyError, WorkDirLock


@HOOKS.register_module()
class MoTEWorkDirLockHook(Hook):
    """One training run per work dir.

    When training starts (before any checkpoint is written or a stale
    temporary file is cleaned), rank 0 takes
    :class:`~mote_mmaction.compat.run_dir.WorkDirLock` in ``work_dir``; a
    lock of a live run stops every rank with
    :class:`~mote_mmaction.compat.run_dir.WorkDirBusyError` naming that run
    and the fix. A lock left by a crashed run (its process gone) is taken
    over with a warning. The lock is removed when the run ends (also on
    errors, at interpreter exit). Val and test runs take no lock: they
    write only their own log folder.

    A default hook (``default_hooks.work_dir_lock`` in
    ``configs/_base_/default_runtime.py``); ``tools/train.py`` adds it to
    configs of other origins.
    """

    priority = 'HIGHEST'

    def __init__(self) -> None:
        self.lock: Optional[WorkDirLock] = None

    def before_train(self, runner) -> None:
        error = None
        if get_rank() == 0:
            self.lock = WorkDirLock(runner.work_dir)
            try:
                self.lock.acquire()
            except WorkDirBusyError as e:
                error = str(e)
        message = [error]
        broadcast_object_list(message)  # every rank stops, not only rank 0
        if message[0] is not None:
            raise WorkDirBusyError(message[0])
        owner = self.lock.took_over if self.lock is not None else None
        if owner:
            runner.logger.warning(
                f'took over the lock {self.lock.path} of a run that is no '
                f'longer running (pid {owner.get("pid")}, started '
                f'{owner.get("started")}: it crashed or was killed).')

    def after_run(self, runner) -> None:
        if self.lock is not None:
            self.lock.release()
