# Copyright (c) OpenMMLab. All rights reserved.
"""mote_mmaction.compat.atomic_io: whole files or nothing, with the
permissions ``open()`` would give."""
import os
import stat

import pytest
import torch

from mote_mmaction.compat.atomic_io import (atomic_torch_save, atomic_write,
                                            atomic_write_text)


def test_writes_replace_whole_files_with_open_permissions(tmp_path):
    path = tmp_path / 'sub' / 'list.txt'
    atomic_write_text(str(path), 'a 0\n')
    old = os.umask(0o022)
    try:
        atomic_write_text(str(path), 'b 1\n')
        ckpt = tmp_path / 'model.pth'
        atomic_torch_save(dict(x=torch.ones(2)), str(ckpt))
    finally:
        os.umask(old)
    assert path.read_text() == 'b 1\n'
    assert torch.equal(torch.load(str(ckpt), weights_only=True)['x'],
                       torch.ones(2))
    for f in (path, ckpt):  # not mkstemp's private 0o600
        assert stat.S_IMODE(f.stat().st_mode) == 0o644
    assert sorted(p.name for p in path.parent.iterdir()) == ['list.txt']


def test_umask_is_read_without_being_changed(monkeypatch):
    """Linux: read from /proc, never set (a thread creating a file while it
    is swapped through 0 would make it world-writable); elsewhere swapped
    through the strictest mask and restored."""
    from mote_mmaction.compat import atomic_io
    old = os.umask(0o027)
    try:
        calls = []
        real = os.umask
        monkeypatch.setattr(os, 'umask',
                            lambda m: calls.append(m) or real(m))
        assert atomic_io._umask() == 0o027
        if os.path.exists('/proc/self/status'):
            assert calls == []

        def no_proc(*args, **kwargs):
            raise OSError('no /proc')

        monkeypatch.setattr(atomic_io, 'open', no_proc, raising=False)
        calls.clear()
        assert atomic_io._umask() == 0o027
        assert calls == [0o777, 0o027] and real(0o027) == 0o027
    finally:
        os.umask(old)


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('old\n')
    with pytest.raises(RuntimeError):
        with atomic_write(str(path), 'w') as f:
            f.write('half')
            raise RuntimeError('killed')
    assert path.read_text() == 'old\n'
    assert [p.name for p in tmp_path.iterdir()] == ['list.txt']
