# Copyright (c) OpenMMLab. All rights reserved.
"""One training run per work dir (a lock, stale locks of dead processes
taken over) and a log folder of its own for every run, even two started in
the same second."""
import json
import os
import os.path as osp
import subprocess
import sys
import time

import pytest
from mmengine.runner import Runner

from mote_mmaction.compat.run_dir import (LOCK_NAME, WorkDirBusyError,
                                          WorkDirLock, _process_start,
                                          claim_log_dir)


def _lock_of(proc, work_dir: str) -> str:
    """A lock as a run in process ``proc`` writes it."""
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    with open(path, 'w') as f:
        json.dump(dict(host=os.uname().nodename, pid=proc.pid,
                       start=_process_start(proc.pid),
                       started='2026-01-01 00:00:00',
                       command='tools/train.py configs/mote/k400.py'), f)
    return path


@pytest.fixture
def other_run():
    """A live process standing for another training run."""
    proc = subprocess.Popen([sys.executable, '-c',
                             'import time; time.sleep(60)'])
    yield proc
    proc.kill()
    proc.wait()


def test_live_lock_stops_a_second_run_stale_lock_is_taken(tmp_path,
                                                          other_run):
    work_dir = str(tmp_path / 'w')
    path = _lock_of(other_run, work_dir)
    with pytest.raises(WorkDirBusyError) as info:
        WorkDirLock(work_dir).acquire()
    msg = str(info.value)
    assert msg.startswith(f'work dir {work_dir} is in use by another '
                          f'training run (pid {other_run.pid} on ')
    assert 'tools/train.py configs/mote/k400.py' in msg
    assert '--work-dir' in msg and f'delete {path}' in msg
    # that run is killed (kill -9): its lock is stale and taken over
    other_run.kill()
    other_run.wait()
    lock = WorkDirLock(work_dir).acquire()
    assert lock.took_over['pid'] == other_run.pid
    assert json.load(open(path))['pid'] == os.getpid()
    lock.release()
    assert not osp.exists(path)
    assert sorted(os.listdir(work_dir)) == []  # no temporaries left


def test_reused_pid_is_stale(tmp_path):
    """A lock whose pid now belongs to another process (different start
    time) is stale."""
    work_dir = str(tmp_path)
    with open(osp.join(work_dir, LOCK_NAME), 'w') as f:
        json.dump(dict(host=os.uname().nodename, pid=1, start='0',
                       started='x', command='x'), f)
    assert WorkDirLock(work_dir).acquire().took_over['pid'] == 1


def test_training_run_takes_and_releases_the_lock(motion_train_cfg,
                                                  tmp_path, other_run):
    """Through the Runner (the default hook): a live lock stops training
    before any checkpoint is written; otherwise the run holds the lock
    while it trains and removes it at the end."""
    from mmengine.config import Config
    default_hooks = Config.fromfile(osp.join(
        osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))),
        'configs', '_base_', 'default_runtime.py')).default_hooks
    assert default_hooks.work_dir_lock.type == 'MoTEWorkDirLockHook'
    cfg = motion_train_cfg(
        1, default_hooks=dict(
            work_dir_lock=default_hooks.work_dir_lock,
            checkpoint=dict(type='MoTECheckpointHook', interval=1,
                            by_epoch=False)))
    path = _lock_of(other_run, cfg.work_dir)
    with pytest.raises(WorkDirBusyError, match='in use by another'):
        Runner.from_cfg(cfg).train()
    assert not [f for f in os.listdir(cfg.work_dir) if f.endswith('.pth')]

    os.remove(path)
    runner = Runner.from_cfg(cfg)
    held = []
    runner.model.register_forward_hook(
        lambda *a: held.append(json.load(open(path))['pid']))
    runner.train()
    assert held and set(held) == {os.getpid()}
    assert osp.isfile(osp.join(cfg.work_dir, 'iter_1.pth'))
    assert not osp.exists(path)


def test_log_folders_never_collide(motion_test_cfg, monkeypatch, tmp_path):
    claims = str(tmp_path / 'claims')
    assert claim_log_dir(claims, '20250101_000000') == '20250101_000000'
    assert claim_log_dir(claims, '20250101_000000') == '20250101_000000_1'
    # another work dir of this process: another name too (MMEngine names
    # the run's logger after it)
    assert claim_log_dir(claims + '2', '20250101_000000') == \
        '20250101_000000_2'
    # two runners started in the same second: two folders, two log files
    monkeypatch.setattr(time, 'time', lambda: 1767225600.0)
    cfg = motion_test_cfg()
    first, second = Runner.from_cfg(cfg), Runner.from_cfg(cfg)
    assert first.log_dir != second.log_dir
    assert first.logger is not second.logger
    third = Runner.from_cfg(dict(cfg, work_dir=str(tmp_path / 'other')))
    assert third.logger is not second.logger
    for runner in (first, second):
        assert osp.isfile(osp.join(runner.log_dir,
                                   f'{runner.timestamp}.log'))
