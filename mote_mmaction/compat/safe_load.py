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
import os
import os.path as osp
import pickle
import re
from typing import List

import torch

TRUSTED_ENV = 'MOTE_TRUSTED_CHECKPOINTS'


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A file needs full unpickling (possible code execution) and the user
    has not marked it as trusted."""


def _key(path: str) -> str:
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


def _refused_global(err: Exception) -> str:
    found = re.search(r'GLOBAL ([\w.]+)', str(err))
    return found.group(1) if found else str(err).splitlines()[0][:200]


def load_checkpoint_file(path: str, map_location='cpu',
                         what: str = 'checkpoint'):
    """``torch.load`` that runs no code from the file unless it is trusted.

    Args:
        path (str): Local file.
        map_location: As for :func:`torch.load`. Defaults to ``'cpu'``.
        what (str): What the file is, for the error message.

    Returns:
        The loaded object.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        UntrustedCheckpointError: The file needs full unpickling and is not
            trusted (see the module docstring); the message names the file,
            the refused object and how to opt in.
    """
    path = osp.expanduser(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} can not be found.')
    try:
        with torch.serialization.safe_globals(checkpoint_safe_globals()):
            return torch.load(
                path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        if is_trusted(path):
            return torch.load(
                path, map_location=map_location, weights_only=False)
        raise UntrustedCheckpointError(
            f'{path}: refusing to load this {what}: it needs '
            f'`{_refused_global(e)}`, which only full unpickling can build, '
            'and full unpickling can run any code the file contains. '
            'Tensors, plain containers, numpy arrays and MMEngine log '
            'buffers load without it. If you trust this file, allow it '
            f'with {TRUSTED_ENV}={path} (or --trusted-checkpoint {path} '
            'in tools/, or trusted_checkpoints=[...] in the config); see '
            'docs/reliability.md.') from None
