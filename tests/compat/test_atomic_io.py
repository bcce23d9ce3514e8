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


def test_full_disk_says_so_in_the_last_line(tmp_path, monkeypatch):
    """A checkpoint save on a full disk: the kernel's ENOSPC comes from the
    file's write(2) (emulated here at that point, past 256 bytes, as a
    small tmpfs gives it; there torch's writer raises its own "unexpected
    pos" error on top of it). The error a run ends with names the disk
    full, the file and the fix, and the old checkpoint is intact."""
    import errno
    import io

    from mote_mmaction.compat.atomic_io import DiskFullError

    class FullDisk(io.FileIO):
        """The file's system calls: write(2) fails past 256 bytes."""
        written = 0

        def write(self, data):
            FullDisk.written += len(data)
            if FullDisk.written > 256:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return super().write(data)

    path = str(tmp_path / 'epoch_2.pth')
    atomic_torch_save({'w': torch.ones(3)}, path)
    real_fdopen = os.fdopen
    monkeypatch.setattr(
        os, 'fdopen', lambda fd, mode='r', *a, **k: io.BufferedWriter(
            FullDisk(fd, 'wb')) if mode == 'wb' else real_fdopen(
                fd, mode, *a, **k))
    with pytest.raises(DiskFullError) as info:
        atomic_torch_save({'w': torch.zeros(10000)}, path)
    monkeypatch.undo()
    assert info.value.errno == errno.ENOSPC
    msg = str(info.value)
    assert msg.startswith(f'[Errno 28] No space left on device: writing '
                          f'{path} failed (')
    assert 'Free space on that disk or write elsewhere' in msg
    assert torch.equal(torch.load(path)['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['epoch_2.pth']
