# Copyright (c) OpenMMLab. All rights reserved.
"""Write files a run depends on so that a crash never leaves half a file.

Every writer here goes to a temporary file in the destination's folder,
flushes and ``fsync``s it, then ``os.replace``s it over the destination
(atomic on POSIX and Windows for paths on one file system) and ``fsync``s
the folder so the rename itself survives a power cut. Readers see either
the old complete file or the new complete file, never a mix.
"""
import contextlib
import errno
import glob
import os
import os.path as osp
import shutil
import tempfile
from typing import IO, Iterator, Optional

#: Temporary files are ``.<name>.tmp-<random>`` beside the destination.
TMP_INFIX = '.tmp-'


class DiskFullError(OSError):
    """A write failed for lack of space (``ENOSPC``/``EDQUOT``)."""


def _disk_full(error: BaseException) -> Optional[OSError]:
    """The ``ENOSPC``/``EDQUOT`` error behind ``error``, if any: torch's
    writer reports a full disk as its own ``RuntimeError`` ("unexpected
    pos"), raised while the ``OSError`` is handled."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in (
                errno.ENOSPC, getattr(errno, 'EDQUOT', errno.ENOSPC)):
            return error
        error = error.__cause__ or error.__context__
    return None


def _free(folder: str) -> str:
    try:
        return f'{shutil.disk_usage(folder).free / 2**20:.1f} MiB free'
    except OSError:
        return 'free space unknown'


def _umask() -> int:
    """The process umask, read without changing it where Linux shows it
    (``os.umask`` can only be read by setting it, and another thread may
    create a file meanwhile)."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # elsewhere: swap through the strictest mask, so a file made by another
    # thread in between is private, never world-writable
    umask = os.umask(0o777)
    os.umask(umask)
    return umask


def _open_mode() -> int:
    """``0o666`` less the umask: the permissions ``open()`` gives a new
    file (``mkstemp`` makes its files private)."""
    return 0o666 & ~_umask()


def _fsync_dir(folder: str) -> None:
    # Directories cannot be opened on Windows; the rename is durable there.
    if os.name != 'posix':
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str, mode: str = 'wb',
                 encoding: str = None) -> Iterator[IO]:
    """Open a temporary file that replaces ``path`` when the block ends.

    If the block raises, the temporary file is removed and ``path`` is left
    as it was; a full disk, however deep in the chain of errors (torch's
    writer raises its own error on top), ends in :class:`DiskFullError`
    naming the file and the fix. The file gets the permissions ``open()``
    would give it.

    Args:
        path (str): Destination file. Its folder is created if needed.
        mode (str): ``'wb'`` or ``'w'``. Defaults to ``'wb'``.
        encoding (str, optional): Text encoding for ``'w'``.

    Yields:
        file: The open temporary file.
    """
    if mode not in ('w', 'wb'):
        raise ValueError(f'atomic_write writes whole files, got mode {mode!r}')
    path = osp.abspath(osp.expanduser(path))
    folder = osp.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}{TMP_INFIX}', dir=folder)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _open_mode())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        full = _disk_full(e)
        if full is None or isinstance(e, DiskFullError):
            raise
        raise DiskFullError(
            full.errno,
            f'{os.strerror(full.errno)}: writing {path} failed '
            f'({_free(folder)} there; the previous file, if any, is '
            'unchanged). Free space on that disk or write elsewhere (e.g. '
            '--work-dir).') from e
    _fsync_dir(folder)


@contextlib.contextmanager
def atomic_path(path: str, suffix: str = '') -> Iterator[str]:
    """A temporary file name that replaces ``path`` when the block ends,
    for writers that take a name rather than a file (OpenCV's
    ``VideoWriter``); as :func:`atomic_write` otherwise.

    Args:
        path (str): Destination file. Its folder is created if needed.
        suffix (str): Ending of the temporary name (writers that pick the
            format from the extension need it).

    Yields:
        str: The temporary path (exists, empty).
    """
    path = osp.abspath(osp.expanduser(path))
    folder = osp.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}{TMP_INFIX}', suffix=suffix,
        dir=folder)
    os.close(fd)
    try:
        yield tmp
        with open(tmp, 'rb+') as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _open_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path, 'w', encoding='utf-8') as f:
        f.write(text)


def atomic_torch_save(obj, path: str) -> None:
    """``torch.save(obj, path)``, atomically."""
    import torch
    with atomic_write(path) as f:
        torch.save(obj, f)


def remove_stale_temporaries(folder: str) -> list:
    """Delete temporary files a killed writer left in ``folder``.

    Returns:
        list[str]: The removed paths.
    """
    removed = []
    for tmp in glob.glob(osp.join(glob.escape(folder), f'.*{TMP_INFIX}*')):
        with contextlib.suppress(OSError):
            os.remove(tmp)
            removed.append(tmp)
    return removed
