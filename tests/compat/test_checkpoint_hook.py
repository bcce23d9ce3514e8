# Copyright (c) OpenMMLab. All rights reserved.
"""A run killed at any point of a checkpoint save still auto-resumes from
a complete checkpoint and ends with the uninterrupted run's weights
(``MoTECheckpointHook`` + the atomic ``save_checkpoint`` patch)."""
import glob
import io
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest
import torch
from _toy_runner import toy_runner, toy_val_kwargs

from mote_mmaction.compat import checkpoint_hook
from mote_mmaction.compat.safe_load import load_checkpoint_file

TESTS = osp.dirname(osp.dirname(osp.abspath(__file__)))
REPO = osp.dirname(TESTS)


class Killed(RuntimeError):
    pass


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory):
    runner = toy_runner(str(tmp_path_factory.mktemp('full')))
    runner.train()
    return {k: v.clone() for k, v in runner.model.state_dict().items()}


def _inject(monkeypatch, point: str, work: str) -> None:
    """Make the save of ``epoch_2.pth`` die at ``point``."""
    real_save, real_replace = torch.save, os.replace
    calls = []

    def save(obj, f, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2 and point == 'mid_write':
            buf = io.BytesIO()
            real_save(obj, buf, *args, **kwargs)
            f.write(buf.getvalue()[:len(buf.getvalue()) // 2])
            raise Killed(point)
        return real_save(obj, f, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        name = osp.basename(dst)
        if point == 'before_rename' and name == 'epoch_2.pth':
            raise Killed(point)
        if point == 'last_checkpoint' and name == 'last_checkpoint' and \
                osp.exists(osp.join(work, 'epoch_2.pth')):
            raise Killed(point)
        return real_replace(src, dst, *args, **kwargs)

    real_flush = checkpoint_hook._DeferredRemovals.flush

    def flush(self, keep=()):
        if point == 'before_removal' and any(
                str(p).endswith('epoch_1.pth') for p in self.pending):
            raise Killed(point)
        return real_flush(self, keep)

    monkeypatch.setattr(torch, 'save', save)
    monkeypatch.setattr(os, 'replace', replace)
    monkeypatch.setattr(checkpoint_hook._DeferredRemovals, 'flush', flush)


def _assert_resumes_exactly(work: str, expected: dict) -> None:
    with open(osp.join(work, 'last_checkpoint')) as f:
        named = f.read().strip()
    ckpt = load_checkpoint_file(named)  # complete: it loads
    assert ckpt['meta']['epoch'] in (1, 2)
    assert not glob.glob(osp.join(work, '.*.tmp-*'))
    resumed = toy_runner(work, resume=True)
    resumed.train()
    assert resumed.epoch == 3
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, expected[k]), k


@pytest.mark.parametrize(
    'point', ['mid_write', 'before_rename', 'last_checkpoint',
              'before_removal'])
def test_killed_save_leaves_a_complete_checkpoint(point, uninterrupted,
                                                  tmp_path, monkeypatch):
    work = str(tmp_path)
    with monkeypatch.context() as m:
        _inject(m, point, work)
        with pytest.raises(Killed):
            toy_runner(work).train()
    if point in ('mid_write', 'before_rename'):
        # epoch 2 never appeared under its name; epoch 1 was kept
        assert not osp.exists(osp.join(work, 'epoch_2.pth'))
        assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    _assert_resumes_exactly(work, uninterrupted)


def test_max_keep_ckpts_still_applies(tmp_path):
    toy_runner(str(tmp_path)).train()
    assert sorted(osp.basename(p)
                  for p in glob.glob(str(tmp_path / '*.pth'))) == [
                      'epoch_3.pth'
                  ]


def test_best_checkpoint_is_replaced_after_the_new_one(tmp_path,
                                                       monkeypatch):
    """save_best (configs/_base_/default_runtime.py): killed while writing
    a new best, the previous best is still there."""
    work = str(tmp_path)
    hook = dict(type='MoTECheckpointHook', interval=1, max_keep_ckpts=1,
                save_best='toy/neg_mse', rule='greater')
    real_save = torch.save

    def save(obj, f, *args, **kwargs):
        if obj['meta'].get('epoch') == 2 and 'optimizer' not in obj:
            raise Killed('best of epoch 2')  # the best-only checkpoint
        return real_save(obj, f, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(torch, 'save', save)
        with pytest.raises(Killed):
            toy_runner(work, checkpoint=hook, **toy_val_kwargs()).train()
    assert osp.isfile(osp.join(work, 'best_toy_neg_mse_epoch_1.pth'))
    toy_runner(work, resume=True, checkpoint=hook,
               **toy_val_kwargs()).train()
    names = sorted(osp.basename(p) for p in glob.glob(osp.join(work,
                                                               '*.pth')))
    assert names == ['best_toy_neg_mse_epoch_3.pth', 'epoch_3.pth']


def test_stock_hook_loses_the_run_and_resume_says_why(tmp_path, monkeypatch):
    """The upstream behaviour the hook fixes: the oldest checkpoint is
    deleted before the new one is written."""
    work = str(tmp_path)
    stock = dict(type='CheckpointHook', interval=1, max_keep_ckpts=1)
    with monkeypatch.context() as m:
        _inject(m, 'mid_write', work)
        with pytest.raises(Killed):
            toy_runner(work, checkpoint=stock).train()
    assert not glob.glob(osp.join(work, '*.pth'))  # nothing left
    with pytest.raises(FileNotFoundError,
                       match=r'last_checkpoint names .*epoch_1.pth, which '
                       'does not exist'):
        toy_runner(work, resume=True).train()


def test_empty_last_checkpoint_is_a_clear_error(tmp_path):
    (tmp_path / 'last_checkpoint').write_text('')
    with pytest.raises(ValueError, match='last_checkpoint is empty'):
        toy_runner(str(tmp_path), resume=True).train()


KILL_SCRIPT = '''
import io, os, sys
sys.path.insert(0, {tests!r})
import torch
import mote_mmaction
from _toy_runner import toy_runner, toy_val_kwargs
real, calls = torch.save, []
def save(obj, f, *a, **k):
    calls.append(1)
    if len(calls) == 2:  # epoch_2.pth: half written, then killed
        buf = io.BytesIO(); real(obj, buf)
        f.write(buf.getvalue()[:len(buf.getvalue()) // 2]); f.flush()
        os._exit(9)  # no cleanup runs, as with kill -9
    return real(obj, f, *a, **k)
torch.save = save
toy_runner({work!r}).train()
'''


def test_process_killed_mid_save(uninterrupted, tmp_path):
    work = str(tmp_path)
    res = subprocess.run(
        [sys.executable, '-c',
         textwrap.dedent(KILL_SCRIPT.format(tests=TESTS, work=work))],
        cwd=REPO, capture_output=True, text=True, timeout=300)
    assert res.returncode == 9, res.stderr[-2000:]
    # the killed writer's temporary file is all that is left of epoch 2
    assert len(glob.glob(osp.join(work, '.epoch_2.pth.tmp-*'))) == 1
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
    _ = load_checkpoint_file(osp.join(work, 'epoch_1.pth'))
    resumed = toy_runner(work, resume=True)
    resumed.train()  # removes the stale temporary file first
    assert not glob.glob(osp.join(work, '.*.tmp-*'))
    for k, v in resumed.model.state_dict().items():
        assert torch.equal(v, uninterrupted[k]), k
