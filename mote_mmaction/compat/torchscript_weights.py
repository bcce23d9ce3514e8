# Copyright (c) OpenMMLab. All rights reserved.
"""Read the weights of a TorchScript archive without running it.

``torch.jit.load`` compiles the archive's code and runs it while loading
(scripted ``__setstate__`` methods, for one), so a crafted archive can act
on the system. OpenAI's CLIP files are TorchScript archives, and all MoTE
needs from them is the state dict. This reader takes it from the archive's
parts without executing anything:

* ``code/__torch__/**.py`` (text, never executed) declares each module
  class with ``__parameters__`` and ``__buffers__`` lists;
* ``data.pkl`` is read with an unpickler that only admits tensor rebuilds,
  storages, ``OrderedDict`` and the archive's own module classes (empty
  records of their attributes);
* ``data/<key>`` hold the raw storages.

The result equals ``torch.jit.load(path).state_dict()``: parameters then
buffers of each module, then its children, under dotted names.
"""
import ast
import collections
import pickle
import re
import sys
import zipfile
from typing import Dict

import torch

_CLASS = re.compile(r'^class (\w+)\((\w+)\):\s*$')
_LIST = re.compile(r'^\s+__(parameters|buffers)__ = (\[.*\])\s*$')

_STORAGE_DTYPES = {
    'FloatStorage': torch.float32, 'DoubleStorage': torch.float64,
    'HalfStorage': torch.float16, 'BFloat16Storage': torch.bfloat16,
    'LongStorage': torch.int64, 'IntStorage': torch.int32,
    'ShortStorage': torch.int16, 'CharStorage': torch.int8,
    'ByteStorage': torch.uint8, 'BoolStorage': torch.bool,
}


class _Storage:
    """Marker returned by ``find_class`` for ``torch.<Type>Storage``."""

    def __init__(self, dtype: torch.dtype) -> None:
        self.dtype = dtype


class _ScriptObject:
    """Attributes of one scripted object, as pickled (never its code)."""
    qualname = ''

    def __setstate__(self, state) -> None:
        self.state = state


def _rebuild_tensor(storage, offset, size, stride, *unused):
    return storage.as_strided(size, stride, offset)


def _identity(value, *unused):
    return value


class _Unpickler(pickle.Unpickler):

    def __init__(self, file, archive: zipfile.ZipFile, root: str) -> None:
        super().__init__(file)
        self._archive = archive
        self._root = root
        self._classes: Dict[str, type] = {}
        self._storages: Dict[str, torch.Tensor] = {}

    def find_class(self, module: str, name: str):
        if module.startswith('__torch__'):
            qualname = f'{module}.{name}'
            if qualname not in self._classes:
                self._classes[qualname] = type(name, (_ScriptObject, ),
                                               dict(qualname=qualname))
            return self._classes[qualname]
        if module == 'torch._utils' and name == '_rebuild_tensor_v2':
            return _rebuild_tensor
        if module == 'torch' and name in _STORAGE_DTYPES:
            return _Storage(_STORAGE_DTYPES[name])
        if module == 'collections' and name == 'OrderedDict':
            return collections.OrderedDict
        if module == 'torch.jit._pickle' and name in (
                'build_intlist', 'build_doublelist', 'build_boollist',
                'build_tensorlist', 'restore_type_tag'):
            return _identity
        raise pickle.UnpicklingError(
            f'`{module}.{name}` is not allowed in a TorchScript weight '
            'archive read without running it')

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 3
                and pid[0] == 'storage' and isinstance(pid[1], _Storage)):
            raise pickle.UnpicklingError(f'unexpected persistent id {pid!r}')
        dtype, key = pid[1].dtype, str(pid[2])
        if key not in self._storages:
            raw = bytearray(self._archive.read(f'{self._root}/data/{key}'))
            flat = torch.frombuffer(raw, dtype=torch.uint8) if raw else \
                torch.empty(0, dtype=torch.uint8)
            self._storages[key] = flat.view(dtype)
        return self._storages[key]


def _module_classes(archive: zipfile.ZipFile, root: str) -> dict:
    """``{qualname: (parameters, buffers)}`` of every ``Module`` class
    declared in the archive's code."""
    classes = {}
    prefix = f'{root}/code/'
    for name in archive.namelist():
        if not (name.startswith(prefix) and name.endswith('.py')):
            continue
        module = name[len(prefix):-3].replace('/', '.')
        current = None
        for line in archive.read(name).decode('utf-8').splitlines():
            found = _CLASS.match(line)
            if found:
                current = None
                if found.group(2) == 'Module':
                    current = f'{module}.{found.group(1)}'
                    classes[current] = {'parameters': [], 'buffers': []}
                continue
            found = _LIST.match(line) if current else None
            if found:
                classes[current][found.group(1)] = list(
                    ast.literal_eval(found.group(2)))
    return classes


def is_torchscript_archive(path: str) -> bool:
    """Whether ``path`` is a TorchScript zip archive (it has ``code/``)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return any(n.endswith('constants.pkl') or '/code/' in n
                   for n in zf.namelist())


def read_torchscript_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """``torch.jit.load(path).state_dict()``, without running the archive.

    Args:
        path (str): A TorchScript archive (``torch.jit.save`` output).

    Returns:
        dict[str, Tensor]: The state dict (CPU tensors).

    Raises:
        ValueError: The archive does not have the expected layout, or its
            modules restore themselves with code (a scripted
            ``__setstate__``), which only ``torch.jit.load`` can do.
    """
    with zipfile.ZipFile(path) as archive:
        pkls = [n for n in archive.namelist()
                if n.count('/') == 1 and n.endswith('/data.pkl')]
        if len(pkls) != 1:
            raise ValueError(f'{path}: not a TorchScript archive (no single '
                             '<name>/data.pkl)')
        root = pkls[0].split('/')[0]
        order = f'{root}/byteorder'
        if order in archive.namelist() and \
                archive.read(order).decode().strip() != sys.byteorder:
            raise ValueError(f'{path}: written on a machine of another byte '
                             'order')
        classes = _module_classes(archive, root)
        with archive.open(pkls[0]) as f:
            try:
                top = _Unpickler(f, archive, root).load()
            except pickle.UnpicklingError as e:
                raise ValueError(f'{path}: {e}') from None

    out: Dict[str, torch.Tensor] = collections.OrderedDict()

    def walk(obj: _ScriptObject, prefix: str) -> None:
        spec = classes.get(obj.qualname)
        if spec is None:
            raise ValueError(f'{path}: no Module class {obj.qualname} in the '
                             "archive's code")
        state = getattr(obj, 'state', None)
        if not isinstance(state, dict):
            raise ValueError(
                f'{path}: {obj.qualname} restores itself with code (scripted '
                '__setstate__); only torch.jit.load can read it')
        for kind in ('parameters', 'buffers'):
            for name in spec[kind]:
                value = state.get(name)
                if isinstance(value, torch.Tensor):
                    out[prefix + name] = value
        for name, value in state.items():
            if isinstance(value, _ScriptObject) and value.qualname in classes:
                walk(value, f'{prefix}{name}.')

    if not isinstance(top, _ScriptObject):
        raise ValueError(f'{path}: the archive holds no scripted module')
    walk(top, '')
    return out
