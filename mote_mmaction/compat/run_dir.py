# Copyright (c) OpenMMLab. All rights reserved.
"""One training run per work dir, and a log folder of its own for every run.

MMEngine names a run's log folder ``work_dir/<YYYYmmdd_HHMMSS>`` and takes
no lock: two runs started in the same second write one log file (in one
process, they even share the logger, keyed on the same name), and two
training runs in one work dir overwrite each other's checkpoints and
``last_checkpoint``, the earlier run's results silently gone.

* :func:`claim_log_dir` creates the log folder with ``os.mkdir`` (atomic),
  adding ``_1``, ``_2``, ... to a timestamp that another run took;
  :func:`patch_unique_log_dirs` makes MMEngine's ``Runner`` and
  ``FlexibleRunner`` strategies use it (rank 0 claims, the others get its
  name).
* :class:`WorkDirLock` is a lock file, ``work_dir/.mote_train.lock``,
  holding the owner's host, pid, process start time and command. A lock
  whose process is gone (a crash, ``kill -9``) is stale and taken over with
  a warning; one whose process runs stops the new run, naming it.
  ``MoTEWorkDirLockHook`` takes it when training starts.
"""
import atexit
import json
import os
import os.path as osp
import socket
import sys
import time
from typing import Optional

LOCK_NAME = '.mote_train.lock'

#: Timestamps claimed in this process: MMEngine names each run's logger,
#: visualizer and default scope after it, so two runs of one process with
#: one timestamp share a logger (and log file) even in two work dirs.
_CLAIMED = set()


class WorkDirBusyError(RuntimeError):
    """Another training run holds the work dir."""


def _process_start(pid: int) -> Optional[str]:
    """The start time of process ``pid`` in clock ticks since boot (Linux),
    which tells a reused pid from the original process; ``None`` where
    ``/proc`` does not exist."""
    try:
        with open(f'/proc/{pid}/stat', encoding='utf-8') as f:
            # the command name (field 2) may hold spaces: split after it
            return f.read().rsplit(')', 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, start: Optional[str]) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    now = _process_start(pid)
    return start is None or now is None or now == start


class WorkDirLock:
    """A lock file that keeps a second training run out of a work dir.

    Args:
        work_dir (str): The run's work dir.
    """

    def __init__(self, work_dir: str) -> None:
        self.work_dir = work_dir
        self.path = osp.join(work_dir, LOCK_NAME)
        self.held = False
        self.took_over: Optional[dict] = None

    def _owner(self) -> Optional[dict]:
        """The lock's content, ``None`` without a lock, ``{}`` for a file
        that is not a lock of this class."""
        try:
            with open(self.path, encoding='utf-8') as f:
                owner = json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}
        return owner if isinstance(owner, dict) else {}

    def acquire(self) -> 'WorkDirLock':
        """Take the lock; a stale one (its process gone) is replaced and
        remembered in :attr:`took_over`. A lock of this very process (an
        earlier run in it that raised) is taken silently.

        Raises:
            WorkDirBusyError: A live process holds it; the message names
                it and the ways out.
        """
        os.makedirs(self.work_dir, exist_ok=True)
        me = dict(host=socket.gethostname(), pid=os.getpid(),
                  start=_process_start(os.getpid()),
                  started=time.strftime('%Y-%m-%d %H:%M:%S'),
                  command=' '.join(sys.argv))
        # written beside, then linked: the lock never exists half-written
        tmp = f'{self.path}.{os.getpid()}.tmp'
        with open(tmp, 'w', encoding='utf-8') as f:
            json.dump(me, f)
        try:
            for _ in range(5):
                try:
                    os.link(tmp, self.path)
                except FileExistsError:
                    owner = self._owner()
                    if owner is not None and not self._stale(owner):
                        raise WorkDirBusyError(self._busy_message(owner))
                    self._take_over(owner)
                    continue
                self.held = True
                atexit.register(self.release)
                return self
        finally:
            os.remove(tmp)
        raise WorkDirBusyError(
            f'{self.path}: could not take the lock (other runs took it at '
            'the same moment); one training run per work dir.')

    def _take_over(self, owner: Optional[dict]) -> None:
        """Move a stale lock out of the way, unless another run replaced
        it since it was read (then that run's lock is put back)."""
        if owner is None:
            return  # released meanwhile
        aside = f'{self.path}.{os.getpid()}.stale'
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        with open(aside, encoding='utf-8') as f:
            moved = f.read()
        fresh = False
        try:
            fresh = json.loads(moved) != owner
        except ValueError:
            pass
        if fresh:
            try:  # a fresh lock of another run: back where it was
                os.link(aside, self.path)
            except FileExistsError:
                pass
        elif owner.get('pid') != os.getpid():
            self.took_over = owner
        os.remove(aside)

    def _stale(self, owner: dict) -> bool:
        if not owner:
            return True  # not a lock this class writes
        if owner.get('host') != socket.gethostname():
            return False  # another machine (shared disk): cannot tell
        pid = int(owner.get('pid', -1))
        return pid == os.getpid() or not _alive(pid, owner.get('start'))

    def _busy_message(self, owner: dict) -> str:
        return (
            f'work dir {self.work_dir} is in use by another training run '
            f'(pid {owner.get("pid")} on {owner.get("host")}, started '
            f'{owner.get("started")}: {owner.get("command")}); two runs in '
            'one work dir overwrite each other\'s checkpoints. Give this run '
            'its own folder (--work-dir or the config\'s work_dir), or wait '
            f'for that run to end. If no run uses it any more, delete '
            f'{self.path}.')

    def release(self) -> None:
        """Remove the lock file if this process holds it."""
        if not self.held:
            return
        self.held = False
        owner = self._owner()
        if owner and owner.get('pid') == os.getpid():
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass


def claim_log_dir(work_dir: str, timestamp: str) -> str:
    """Create ``work_dir/timestamp`` for this run alone, or
    ``timestamp_1``, ``timestamp_2``, ... when another run has it (in this
    work dir, or in any work dir of this process).

    Args:
        work_dir (str): The run's work dir.
        timestamp (str): MMEngine's ``%Y%m%d_%H%M%S``.

    Returns:
        str: The timestamp (and suffix) whose folder this call created.
    """
    os.makedirs(work_dir, exist_ok=True)
    n = 0
    while True:
        name = timestamp if n == 0 else f'{timestamp}_{n}'
        n += 1
        if name in _CLAIMED:
            continue
        try:
            os.mkdir(osp.join(work_dir, name))
        except FileExistsError:
            continue
        _CLAIMED.add(name)
        return name


def _unique_timestamp(self) -> None:
    """Replace ``self._timestamp`` (set by MMEngine's env setup) by one
    whose log folder no other run has; rank 0 claims, the others follow."""
    from mmengine.dist import broadcast_object_list, get_rank
    name = [claim_log_dir(self._work_dir, self._timestamp)
            if get_rank() == 0 else None]
    broadcast_object_list(name)
    self._timestamp = name[0]


def patch_unique_log_dirs() -> bool:
    """Give every MMEngine run its own log folder (see the module doc).

    Wraps ``Runner.setup_env`` and ``BaseStrategy._setup_env`` (the
    ``FlexibleRunner``'s), which set the timestamp that names the log
    folder, the log file and the logger instance.

    Returns:
        bool: Whether this call patched them (False when done before).
    """
    import functools

    from mmengine._strategy.base import BaseStrategy
    from mmengine.runner import Runner
    if getattr(Runner.setup_env, '_mote_unique', False):
        return False
    for cls, name in ((Runner, 'setup_env'), (BaseStrategy, '_setup_env')):
        upstream = getattr(cls, name)

        def setup(self, *args, _upstream=upstream, **kwargs):
            out = _upstream(self, *args, **kwargs)
            _unique_timestamp(self)
            return out

        setup = functools.wraps(upstream)(setup)
        setup._mote_unique = True
        setattr(cls, name, setup)
    return True
