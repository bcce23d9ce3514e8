# Copyright (c) OpenMMLab. All rights reserved.
"""Read checkpoint files without running code from them.

``torch.load(weights_only=True)`` only rebuilds tensors and plain
containers. MMEngine runner checkpoints also hold ``HistoryBuffer`` log
buffers with numpy arrays and scalars; they load here under a small
allow-list (:func:`checkpoint_safe_globals`) that admits exactly those
objects and no callable that could act on the system. Anything else needs
full unpickling, which can run arbitrary code, so it is refused with
:class:`UntrustedCheckpointError` unless the user marked the file as
trusted:

* ``MOTE_TRUSTED_CHECKPOINTS``: file paths separated by ``os.pathsep``
  (``:`` on Linux), or ``*`` for every file;
* ``--trusted-checkpoint FILE`` of ``tools/train.py``, ``tools/test.py``,
  ``tools/convert_official_ckpt.py`` and ``tools/merge_experts.py``, or the
  config key ``trusted_checkpoints = [FILE, ...]`` (both set the variable).
"""
import errno
import io
import os
import os.path as osp
import pickle
import re
import zipfile
from typing import List, Optional, Union

import torch

TRUSTED_ENV = 'MOTE_TRUSTED_CHECKPOINTS'


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A file needs full unpickling (possible code execution) and the user
    has not marked it as trusted."""


class DamagedCheckpointError(ValueError):
    """A file is not a (complete) PyTorch checkpoint: empty, truncated, a
    web page, or something else saved under a checkpoint's name."""


def _key(path: str) -> str:
    if '://' in path:  # URLs and other backends' names: as written
        return path
    return osp.normcase(osp.realpath(osp.expanduser(path)))


def trusted_files() -> List[str]:
    """Entries of ``MOTE_TRUSTED_CHECKPOINTS`` (``'*'`` trusts all)."""
    value = os.environ.get(TRUSTED_ENV, '')
    return [p for p in value.split(os.pathsep) if p.strip()]


def is_trusted(path: str) -> bool:
    """Whether the user allowed full unpickling of ``path``."""
    entries = trusted_files()
    if '*' in entries:
        return True
    if '://' in path:  # a URL's own colons are not separators
        raw = os.pathsep + os.environ.get(TRUSTED_ENV, '') + os.pathsep
        return f'{os.pathsep}{path}{os.pathsep}' in raw
    key = _key(path)
    return any(_key(p) == key for p in entries)


def trust(path: str) -> None:
    """Mark ``path`` as trusted for this process and its children."""
    if path and not is_trusted(path):
        os.environ[TRUSTED_ENV] = os.pathsep.join(trusted_files() + [path])


def _history_buffer_getattr(obj, name: str):
    """``getattr`` as pickled by ``HistoryBuffer`` (its statistics methods,
    e.g. ``HistoryBuffer.mean``), refused for anything else."""
    from mmengine.logging import HistoryBuffer
    allowed = {'min', 'max', 'mean', 'current'}
    allowed.update(getattr(HistoryBuffer, '_statistics_methods', {}))
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}) '
        'is not allowed in a checkpoint (only HistoryBuffer statistics)')


def _bytes(data=b''):
    """``bytes`` as pickled for empty numpy arrays (``bytes()``); refuses
    sizes (``bytes(10**12)``) and anything but bytes."""
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError(
            f'bytes({type(data).__name__}) is not allowed in a checkpoint')
    return bytes(data)


def checkpoint_safe_globals() -> list:
    """What MMEngine pickles into runner checkpoints beyond tensors.

    ``HistoryBuffer`` (message hub log scalars), numpy arrays, scalars and
    dtypes (under their numpy 1 and numpy 2 module names), ``getattr``
    limited to ``HistoryBuffer`` statistics methods and ``bytes`` limited
    to copying bytes (empty arrays). None of them can reach
    the file system, a process or an import.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    items = [HistoryBuffer, np.ndarray, np.dtype,
             (_history_buffer_getattr, 'builtins.getattr'),
             (_bytes, 'builtins.bytes')]
    for mod in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        items.append((multiarray._reconstruct, f'{mod}._reconstruct'))
        items.append((multiarray.scalar, f'{mod}.scalar'))
    dtypes = getattr(np, 'dtypes', None)  # numpy >= 1.25: dtype classes
    if dtypes is not None:
        items += [
            getattr(dtypes, n) for n in dir(dtypes) if n.endswith('DType')
        ]
    return items


def _refused_global(err: Exception) -> Optional[str]:
    """The global a weights-only load refused, or ``None`` when the error
    is about the data itself (damage, not trust)."""
    for pattern in (r'GLOBAL ([\w.]+)', r'Unsupported global: ([\w.]+)'):
        found = re.search(pattern, str(err))
        if found:
            return found.group(1)
    return None


_REFETCH = ('Fetch the file again (a download or copy was cut short, or '
            'the link gave something else), then retry.')


def damage(head: bytes, size: int, name: str,
           complete_zip: Optional[bool] = None) -> Optional[str]:
    """Why a file cannot be a PyTorch checkpoint, from its first bytes, or
    ``None`` when it looks like one.

    Args:
        head (bytes): The file's first bytes (512 are plenty).
        size (int): Its size in bytes.
        name (str): File name for the message.
        complete_zip (bool, optional): Whether a zip file's directory is
            intact (``None``: not known).
    """
    if size == 0:
        return f'{name} is empty (0 bytes), not a checkpoint. {_REFETCH}'
    low = head.lstrip().lower()
    if low.startswith((b'<!doctype', b'<html', b'<?xml', b'<head', b'<')):
        return (f'{name} is a web page (HTML), not a checkpoint: the '
                'download link answered with a page (sign-in, error or '
                'redirect). Download the file itself, e.g. with the '
                'site\'s direct-download link, then retry.')
    if head.startswith(b'PK\x03\x04'):  # torch >= 1.6 zip format
        if complete_zip is False:
            return (f'{name} is truncated or damaged ({size} bytes; its zip '
                    f'directory is missing). {_REFETCH}')
        return None
    if not head.startswith(b'\x80'):  # legacy pickles start with PROTO
        return (f'{name} is not a PyTorch checkpoint (it starts with '
                f'{head[:8]!r}). {_REFETCH}')
    return None


#: torch's words for an archive cut short or corrupted
_DAMAGE_WORDS = ('PytorchStreamReader', 'zip archive', 'central directory',
                 'unexpected EOF', 'truncated')


def _reads_as_damage(err: Exception) -> bool:
    """Whether an error of ``torch.load`` says the file is damaged (other
    errors, e.g. a CUDA tensor loaded without ``map_location`` or a
    permission, are left as they are)."""
    if isinstance(err, EOFError):
        return True
    if isinstance(err, OSError):  # a read past a cut-short archive
        return err.errno == errno.EINVAL
    return any(w in str(err) for w in _DAMAGE_WORDS)


def _source_damage(source: Union[str, bytes], name: str) -> Optional[str]:
    if isinstance(source, bytes):
        return damage(source[:512], len(source), name,
                      zipfile.is_zipfile(io.BytesIO(source)))
    with open(source, 'rb') as f:
        head = f.read(512)
    return damage(head, osp.getsize(source), name,
                  zipfile.is_zipfile(source))


def _load(source: Union[str, bytes], name: str, map_location, what: str,
          trusted: bool):
    """``torch.load`` of a file or its bytes: weights only, the full
    unpickler only when ``trusted``; damaged files are named as such."""
    problem = _source_damage(source, name)
    if problem is not None:
        raise DamagedCheckpointError(problem)

    def fileobj():
        return io.BytesIO(source) if isinstance(source, bytes) else source

    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(
                fileobj(), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        refused = _refused_global(e)
        if refused is None:
            raise DamagedCheckpointError(
                f'{name} could not be read as a {what} ('
                f'{str(e).splitlines()[0][:200]}): it is damaged or not a '
                f'checkpoint. {_REFETCH}') from None
        if trusted:
            return torch.load(
                fileobj(), map_location=map_location, weights_only=False)
        raise UntrustedCheckpointError(
            f'{name}: refusing to load this {what}: it needs '
            f'`{refused}`, which only full unpickling can build, '
            'and full unpickling can run any code the file contains. '
            'Tensors, plain containers, numpy arrays and MMEngine log '
            'buffers load without it. If you trust this file, allow it '
            f'with {TRUSTED_ENV}={name} (or --trusted-checkpoint {name} '
            'in tools/, or trusted_checkpoints=[...] in the config); see '
            'docs/reliability.md.') from None
    except (RuntimeError, EOFError, ValueError, OSError) as e:
        if not _reads_as_damage(e):
            raise  # e.g. a CUDA tensor without map_location: not the file
        raise DamagedCheckpointError(
            f'{name} is truncated or damaged ({type(e).__name__}: '
            f'{str(e).splitlines()[0][:200]}). {_REFETCH}') from None


def load_checkpoint_file(path: str, map_location='cpu',
                         what: str = 'checkpoint'):
    """``torch.load`` that runs no code from the file unless it is trusted.

    Args:
        path (str): Local file, or a URL / MMEngine backend path (read by
            :func:`load_remote_checkpoint`).
        map_location: As for :func:`torch.load`. Defaults to ``'cpu'``.
        what (str): What the file is, for the error message.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        IsADirectoryError: ``path`` is a folder.
        DamagedCheckpointError: The file is empty, truncated, a web page or
            no checkpoint at all (the message says which, and to fetch it
            again).
        UntrustedCheckpointError: The file needs full unpickling and is not
            trusted (see the module docstring); the message names the file,
            the refused object and how to opt in.
    """
    if '://' in path:
        return load_remote_checkpoint(path, map_location, what)
    path = osp.expanduser(path)
    if osp.isdir(path):
        raise IsADirectoryError(f'{path} is a folder, not a {what} file: '
                                'give the .pth file inside it.')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} can not be found.')
    return _load(path, path, map_location, what, is_trusted(path))


def load_remote_checkpoint(name: str, map_location=None,
                           what: str = 'checkpoint'):
    """A checkpoint from any MMEngine file backend (``http(s)://``,
    ``s3://``, ...), read as :func:`load_checkpoint_file` reads local files:
    the bytes are fetched by the backend, never unpickled by it.

    Args:
        name (str): The file's URL or backend path.
        map_location: As for :func:`torch.load`.
        what (str): What the file is, for the error message.
    """
    from mmengine.fileio import get_file_backend
    data = get_file_backend(name).get(name)
    return _load(bytes(data), name, map_location, what, is_trusted(name))
