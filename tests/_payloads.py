# Copyright (c) OpenMMLab. All rights reserved.
"""Checkpoint files with a ``__reduce__`` payload: unpickling them in full
writes a marker file, so a test can tell whether code from the file ran;
and a scripted module that restores itself with code."""
import os.path as osp
import pickle
import zipfile
from typing import Tuple

import torch
from torch import Tensor, nn


class Payload:
    """Unpickled in full, this writes ``marker``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        code = f'open({self.marker!r}, "w").write("code ran")'
        return (exec, (code, ))


def save_with_payload(obj: dict, path: str, marker: str,
                      where: str = 'meta') -> str:
    """``torch.save`` ``obj`` with a payload under ``obj[where]['x']``."""
    obj = dict(obj)
    obj[where] = dict(obj.get(where) or {}, x=Payload(marker))
    torch.save(obj, path)
    return path


def torchscript_with_payload(src: str, dst: str, marker: str) -> str:
    """Copy TorchScript archive ``src`` with its ``data.pkl`` replaced by a
    pickle that runs the payload."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w') as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith('/data.pkl') and \
                    item.filename.count('/') == 1:
                data = pickle.dumps(Payload(marker), protocol=2)
            zout.writestr(item, data)
    return dst


def ran(marker: str) -> bool:
    return osp.exists(marker)


class RestoresWithCode(nn.Module):
    """Scripted: ``torch.jit.load`` runs its ``__setstate__``."""

    def __init__(self):
        super().__init__()
        self.register_buffer('w', torch.ones(2))

    @torch.jit.export
    def __getstate__(self) -> Tuple[Tensor, bool]:
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[Tensor, bool]) -> None:
        self.w = state[0] * 2
        self.training = state[1]

    def forward(self, x):
        return x * self.w
