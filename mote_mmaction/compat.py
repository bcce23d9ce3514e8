# Copyright (c) OpenMMLab. All rights reserved.
"""Every patch this plugin applies to upstream packages, in one place.

Each patch is version-guarded, names its upstream issue, returns ``True``
when it changed something and ``False`` when the bug is absent (a no-op).
Nothing here edits files in site-packages: patches act on ``sys.modules``
or on registries at import time. :func:`apply_all` runs when
``mote_mmaction`` is imported, before anything imports ``mmaction.models``.
"""
import importlib.util
import os.path as osp
import sys
import types
from typing import Dict

import torch

APPLIED: Dict[str, bool] = {}

_DRN = 'mmaction.models.localizers.drn'


def patch_missing_drn() -> bool:
    """Stub ``mmaction.models.localizers.drn`` when the wheel lacks it.

    open-mmlab/mmaction2#2714: ``drn/`` has no ``__init__.py``, so the 1.2.0
    wheel and sdist ship no DRN code and ``import mmaction.models`` fails
    with ``ModuleNotFoundError``. The stub keeps every other model usable;
    DRN itself raises a clear error when built.
    """
    if _DRN in sys.modules:
        return False
    spec = importlib.util.find_spec('mmaction')  # runs mmaction/__init__ only
    if spec is None or spec.origin is None:
        return False
    drn_dir = osp.join(osp.dirname(spec.origin), 'models', 'localizers', 'drn')
    if osp.isfile(osp.join(drn_dir, '__init__.py')):
        return False  # fixed upstream (PR #2721) or a source install

    pkg = types.ModuleType(_DRN)
    pkg.__path__ = []
    mod = types.ModuleType(_DRN + '.drn')

    class DRN:  # never registered: the wheel has no implementation

        def __init__(self, *args, **kwargs):
            raise ImportError('DRN is not shipped in this mmaction2 wheel '
                              '(open-mmlab/mmaction2#2714); install '
                              'mmaction2 from source to use it.')

    mod.DRN = DRN
    pkg.drn = mod
    pkg.DRN = DRN
    sys.modules[_DRN] = pkg
    sys.modules[_DRN + '.drn'] = mod
    return True


_TV_STUB_LIB = None  # must stay referenced, or the stub schemas vanish


def ensure_torchvision_importable() -> bool:
    """Let torchvision import when its C++ ops cannot load.

    A PyPI torchvision built against a CUDA torch, beside a CPU-only torch of
    the same version, fails with ``operator torchvision::nms does not
    exist`` (pytorch/vision#8706 family); open_clip and mmengine's env
    collection then crash. We define the two schemas its meta registrations
    need, only *after* a real import failed: pre-defining them when the
    library loads aborts the interpreter with a duplicate registration.
    """
    global _TV_STUB_LIB
    try:
        import torchvision  # noqa: F401
        return False
    except ModuleNotFoundError:
        return False
    except RuntimeError as e:
        if 'torchvision::nms does not exist' not in str(e):
            raise
    for name in [k for k in sys.modules
                 if k == 'torchvision' or k.startswith('torchvision.')]:
        del sys.modules[name]
    _TV_STUB_LIB = torch.library.Library('torchvision', 'DEF')
    _TV_STUB_LIB.define(
        'nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    _TV_STUB_LIB.define(
        'qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    import torchvision  # noqa: F401,F811
    return True


def _torch_defaults_to_weights_only() -> bool:
    major, minor = (int(v) for v in torch.__version__.split('.')[:2])
    return (major, minor) >= (2, 6)


def _trusted_local_load(filename: str, map_location=None):
    """mmengine's local loader with an explicit ``weights_only=False``."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def patch_mmengine_checkpoint_loading() -> bool:
    """Load mmengine checkpoints on torch >= 2.6.

    open-mmlab/mmengine#1655: mmengine <= 0.10.7 calls ``torch.load`` without
    ``weights_only``; torch >= 2.6 defaults it to ``True`` and refuses the
    ``HistoryBuffer`` and numpy objects in every runner checkpoint, so
    ``resume``, ``load_from`` and ``tools/test.py`` fail. Fixed on mmengine
    main (PR #1670). Checkpoints are files the user chose to load, so they
    are trusted here as they were before torch 2.6.
    """
    if not _torch_defaults_to_weights_only():
        return False
    import mmengine
    from mmengine.runner.checkpoint import CheckpointLoader
    from mmengine.utils import digit_version
    if digit_version(mmengine.__version__) >= digit_version('0.11.0'):
        return False
    CheckpointLoader.register_scheme(
        prefixes='', force=True)(_trusted_local_load)
    return True


def apply_all() -> Dict[str, bool]:
    """Apply every patch once; returns which ones changed something."""
    if APPLIED:
        return APPLIED
    # Order matters: torchvision must import before mmengine collects env,
    # and the drn stub must exist before anything imports mmaction.models.
    APPLIED['torchvision_ops'] = ensure_torchvision_importable()
    APPLIED['mmaction_drn'] = patch_missing_drn()
    APPLIED['mmengine_weights_only'] = patch_mmengine_checkpoint_loading()
    return APPLIED
