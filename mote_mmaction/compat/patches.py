# Copyright (c) OpenMMLab. All rights reserved.
"""Every patch this plugin applies to upstream packages, in one place.

Each patch is version-guarded, names its upstream issue, returns ``True``
when it changed something and ``False`` when the bug is absent (a no-op).
Nothing here edits files in site-packages: patches act on ``sys.modules``
or on registries at import time. :func:`apply_all` runs when
``mote_mmaction`` is imported, before anything imports ``mmaction.models``.
"""
import contextvars
import functools
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

    class DRN:  # the wheel has no implementation

        def __init__(self, *args, **kwargs):
            raise ImportError('DRN is not shipped in this mmaction2 wheel '
                              '(open-mmlab/mmaction2#2714); install '
                              'mmaction2 from source to use it.')

    mod.DRN = DRN
    pkg.drn = mod
    pkg.DRN = DRN
    sys.modules[_DRN] = pkg
    sys.modules[_DRN + '.drn'] = mod
    # Registered, so dict(type='DRN') in a config gives the error above
    # rather than a bare "not in the registry" KeyError.
    from mmaction.registry import MODELS
    MODELS.register_module(name='DRN', module=DRN, force=True)
    return True


class _NumpyWithInf(types.ModuleType):
    """``numpy`` plus the ``Inf`` alias that NumPy 2 removed."""

    Inf = float('inf')

    def __getattr__(self, name: str):
        import numpy
        return getattr(numpy, name)


def patch_numpy2_inf() -> bool:
    """Give two mmaction2 1.2.0 modules ``np.Inf`` back on NumPy 2.

    ``mmaction/utils/misc.py`` (``frame_extract``) and
    ``mmaction/datasets/transforms/pose_transforms.py`` (``PoseCompact``
    and friends) use ``np.Inf``, removed in NumPy 2.0 (NEP 52;
    ``AttributeError`` there). Only these modules see the alias: their
    ``np`` global becomes a view of numpy with ``Inf``; numpy itself is
    untouched.
    """
    import numpy
    if hasattr(numpy, 'Inf'):
        return False  # NumPy 1
    import importlib
    changed = False
    for name in ('mmaction.utils.misc',
                 'mmaction.datasets.transforms.pose_transforms'):
        module = importlib.import_module(name)
        if getattr(module, 'np', None) is numpy and \
                _source_mentions(module, 'np.Inf'):  # else fixed upstream
            module.np = _NumpyWithInf('numpy')
            changed = True
    return changed


def _source_mentions(module, text: str) -> bool:
    path = getattr(module, '__file__', None)
    if not path or not osp.isfile(path):
        return False
    with open(path, encoding='utf-8') as f:
        return text in f.read()


def patch_color_jitter_hue() -> bool:
    """Make mmaction2's ``ColorJitter`` hue shift work on NumPy 2.

    ``ColorJitter.adjust_hue`` adds a negative Python int to a uint8 hue
    channel; NumPy 1 promoted that to int16, NumPy 2 (NEP 50) raises
    ``OverflowError`` whenever the drawn hue factor is negative, about half
    of the clips. The replacement computes negative shifts in int16 as
    NumPy 1 did (positive ones stay uint8, wrapping at 256 as there), so the
    frames are those of NumPy 1. A no-op where the original works.
    """
    import numpy as np
    from mmaction.datasets.transforms.processing import ColorJitter
    probe = np.full((1, 1, 3), 128, dtype=np.float32)
    try:
        ColorJitter.adjust_hue(probe, -0.1)
        return False
    except OverflowError:
        pass
    import cv2

    def adjust_hue(img, factor):
        img = np.clip(img, 0, 255).astype(np.uint8)
        hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
        offset = int(factor * 255)
        hue = hsv[..., 0]
        if offset < 0:  # NumPy 1 promoted only then (value-based casting)
            hue = hue.astype(np.int16)
        hsv[..., 0] = (hue + offset) % 180
        return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).astype(np.float32)

    ColorJitter.adjust_hue = staticmethod(adjust_hue)
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


def load_from_local_weights_only(filename: str, map_location=None):
    """MMEngine's local checkpoint loader, without code execution.

    Named ``load_from_<backend>`` like MMEngine's loaders: its log line
    reads ``Loads checkpoint by local_weights_only backend``. Reads with
    ``weights_only=True`` and the runner-checkpoint allow-list; see
    :func:`mote_mmaction.compat.safe_load.load_checkpoint_file`.
    """
    from .safe_load import load_checkpoint_file
    return load_checkpoint_file(filename, map_location)


def load_from_remote_weights_only(filename: str, map_location=None,
                                  **kwargs):
    """MMEngine's ``http(s)://`` and ``s3://`` loaders, without code
    execution: the file backend fetches the bytes, which load as local
    files do (:func:`mote_mmaction.compat.safe_load.load_remote_checkpoint`).
    ``torchvision://``, ``mmcls://`` and ``openmmlab://`` resolve to URLs
    and come here too."""
    from .safe_load import load_remote_checkpoint
    return load_remote_checkpoint(filename, map_location)


def load_from_pavi_trusted_only(filename: str, map_location=None):
    """``pavi://`` files load with MMEngine's full unpickler, so only when
    the user trusts them."""
    from .safe_load import TRUSTED_ENV, UntrustedCheckpointError, is_trusted
    if not is_trusted(filename):
        raise UntrustedCheckpointError(
            f'{filename}: MMEngine reads pavi:// files by full unpickling, '
            'which can run any code the file contains. If you trust it, '
            f'allow it with {TRUSTED_ENV}={filename}, or download it and '
            'load the local file (read without running code).')
    from mmengine.runner.checkpoint import load_from_pavi
    return load_from_pavi(filename, map_location)


_REMOTE_PREFIXES = ('http://', 'https://', r'(\S+\:)?s3://',
                    r'(\S+\:)?petrel://')


def patch_mmengine_checkpoint_loading() -> bool:
    """Load checkpoints of every scheme with ``weights_only=True`` and an
    allow-list.

    open-mmlab/mmengine#1655: mmengine <= 0.10.7 calls ``torch.load``
    without ``weights_only``; torch < 2.6 then fully unpickles (a crafted
    file runs code through ``load_from``, ``resume``, ``tools/test.py`` or
    ``init_recognizer``), torch >= 2.6 refuses the ``HistoryBuffer`` and
    numpy objects in every runner checkpoint. The upstream fix (PR #1670)
    passes ``weights_only=False``. Its ``http(s)://`` loader calls
    ``torch.hub.load_state_dict_from_url``, whose ``weights_only`` defaults
    to False on every torch. Here local files, every remote backend and
    the schemes that resolve to URLs admit exactly what runner checkpoints
    hold, and full unpickling only for files the user trusts. Needs
    ``torch.serialization.safe_globals`` (torch >= 2.5).
    """
    if not hasattr(torch.serialization, 'safe_globals'):
        return False
    from mmengine.runner import checkpoint as ckpt_mod
    from mmengine.runner.checkpoint import CheckpointLoader
    if CheckpointLoader._get_checkpoint_loader('') is \
            load_from_local_weights_only:
        return False
    CheckpointLoader.register_scheme(
        prefixes='', force=True)(load_from_local_weights_only)
    CheckpointLoader.register_scheme(
        prefixes=list(_REMOTE_PREFIXES),
        force=True)(load_from_remote_weights_only)
    CheckpointLoader.register_scheme(
        prefixes='pavi://', force=True)(load_from_pavi_trusted_only)
    # torchvision://, mmcls://, openmmlab:// call this module global
    ckpt_mod.load_from_http = load_from_remote_weights_only
    return True


def _patch_names(obj, modules, name: str) -> None:
    for module in modules:
        setattr(sys.modules[module], name, obj)


_RUNNER_MODULES = ('mmengine.runner', 'mmengine.runner.runner',
                   'mmengine.runner.checkpoint')


def patch_mmengine_atomic_checkpoints() -> bool:
    """Write local checkpoints atomically; clear errors for a broken
    ``last_checkpoint``.

    MMEngine's ``save_checkpoint`` writes in place (``LocalBackend.put``),
    so a crash mid-write leaves half a file under the final name, and
    ``find_latest_checkpoint`` returns ``''`` for an empty
    ``last_checkpoint`` (resume then fails with "can not be found." and no
    name). Local saves go through
    :func:`mote_mmaction.compat.atomic_io.atomic_torch_save`; remote
    backends are unchanged. The hook-side half (write before delete,
    atomic ``last_checkpoint``) is ``MoTECheckpointHook``.
    """
    import mmengine.hooks.checkpoint_hook  # noqa: F401
    import mmengine.runner  # noqa: F401
    from mmengine.runner import checkpoint as ckpt_mod
    if getattr(ckpt_mod.save_checkpoint, '_mote_atomic', False):
        return False
    upstream_save = ckpt_mod.save_checkpoint

    def save_checkpoint(checkpoint, filename, file_client_args=None,
                        backend_args=None):
        from mmengine.fileio import LocalBackend, get_file_backend
        from .atomic_io import atomic_torch_save
        if file_client_args is None and isinstance(
                get_file_backend(filename, backend_args=backend_args),
                LocalBackend):
            atomic_torch_save(checkpoint, filename)
        else:
            upstream_save(checkpoint, filename, file_client_args,
                          backend_args)

    save_checkpoint._mote_atomic = True
    save_checkpoint.__doc__ = upstream_save.__doc__
    _patch_names(save_checkpoint,
                 _RUNNER_MODULES + ('mmengine.hooks.checkpoint_hook', ),
                 'save_checkpoint')

    def find_latest_checkpoint(path: str):
        save_file = osp.join(path, 'last_checkpoint')
        if not osp.exists(save_file):
            from mmengine.logging import print_log
            print_log('Did not find last_checkpoint to be resumed.')
            return None
        with open(save_file, encoding='utf-8') as f:
            name = f.read().strip()
        fix = (f'write the path of a complete checkpoint into {save_file}, '
               'pass --resume CKPT, or delete it to start from scratch.')
        if not name:
            raise ValueError(f'{save_file} is empty, so there is no '
                             f'checkpoint to resume from: {fix}')
        if '://' not in name and not osp.isfile(name):
            raise FileNotFoundError(f'{save_file} names {name}, which does '
                                    f'not exist: {fix}')
        return name

    _patch_names(find_latest_checkpoint, _RUNNER_MODULES,
                 'find_latest_checkpoint')
    return True


#: ``(file, partial load allowed)`` of the ``Runner.load_checkpoint`` call
#: in progress, read by the checked ``_load_checkpoint_to_model``.
_RUNNER_LOAD = contextvars.ContextVar('mote_runner_load', default=None)


def patch_mmengine_complete_loading() -> bool:
    """Make ``load_from``, ``--resume``, ``tools/test.py`` and
    ``init_recognizer`` fail on checkpoints that leave weights random.

    MMEngine loads these non-strictly and only warns; the run then trains
    or reports the accuracy of random weights. After each such load,
    :func:`mote_mmaction.compat.checkpoint_fit.check_fits` raises naming the
    file and the keys, unless ``allow_partial_load=True`` (config) or
    ``MOTE_ALLOW_PARTIAL_LOAD=1``. Other MMEngine loads (e.g. a stock
    backbone's ``init_cfg=Pretrained``, partial by design) are unchanged.
    """
    import mmaction.apis.inference as inference
    from mmengine.runner import Runner
    from mmengine.runner import runner as runner_mod
    if getattr(Runner.load_checkpoint, '_mote_checked', False):
        return False
    from .checkpoint_fit import check_fits, partial_load_allowed
    upstream_load = Runner.load_checkpoint
    upstream_to_model = runner_mod._load_checkpoint_to_model

    @functools.wraps(upstream_load)
    def load_checkpoint(self, filename, *args, **kwargs):
        token = _RUNNER_LOAD.set(
            (filename, partial_load_allowed(getattr(self, 'cfg', None))))
        try:
            return upstream_load(self, filename, *args, **kwargs)
        finally:
            _RUNNER_LOAD.reset(token)

    load_checkpoint._mote_checked = True

    def load_checkpoint_to_model(model, checkpoint, strict=False,
                                 logger=None,
                                 revise_keys=[(r'^module\.', '')]):
        out = upstream_to_model(model, checkpoint, strict, logger,
                                revise_keys)
        current = _RUNNER_LOAD.get()
        if current is not None and not current[1]:
            check_fits(model, checkpoint, current[0], revise_keys)
        return out

    Runner.load_checkpoint = load_checkpoint
    runner_mod._load_checkpoint_to_model = load_checkpoint_to_model

    upstream_api_load = inference.load_checkpoint

    @functools.wraps(upstream_api_load)
    def api_load_checkpoint(model, filename, *args, **kwargs):
        checkpoint = upstream_api_load(model, filename, *args, **kwargs)
        if not partial_load_allowed():
            check_fits(model, checkpoint, filename)
        return checkpoint

    inference.load_checkpoint = api_load_checkpoint
    return True


def silence_mmcv_lite_warning() -> bool:
    """Hide mmcv's "install mmcv rather than mmcv-lite" import warning.

    ``mmcv.cnn.bricks.transformer`` warns on import when the compiled
    ``mmcv.ops`` are missing, i.e. always with mmcv-lite, which this
    plugin installs on purpose (it needs no compiled op). Only that one
    message is filtered; a model that does need the op still fails loudly
    when it is built.
    """
    if importlib.util.find_spec('mmcv') is None:
        return False
    import warnings
    warnings.filterwarnings(
        'ignore', message=r'Fail to import ``MultiScaleDeformableAttention``',
        category=UserWarning, module=r'mmcv\.cnn\.bricks\.transformer')
    return True


def apply_all() -> Dict[str, bool]:
    """Apply every patch once; returns which ones changed something."""
    if APPLIED:
        return APPLIED
    # Order matters: torchvision must import before mmengine collects env,
    # and the drn stub must exist before anything imports mmaction.models.
    APPLIED['mmcv_lite_warning'] = silence_mmcv_lite_warning()
    APPLIED['torchvision_ops'] = ensure_torchvision_importable()
    APPLIED['mmaction_drn'] = patch_missing_drn()
    APPLIED['numpy2_inf'] = patch_numpy2_inf()
    APPLIED['numpy2_color_jitter_hue'] = patch_color_jitter_hue()
    APPLIED['mmengine_weights_only'] = patch_mmengine_checkpoint_loading()
    APPLIED['mmengine_atomic_checkpoints'] = \
        patch_mmengine_atomic_checkpoints()
    APPLIED['mmengine_complete_loading'] = patch_mmengine_complete_loading()
    from .run_dir import patch_unique_log_dirs
    APPLIED['mmengine_unique_log_dirs'] = patch_unique_log_dirs()
    return APPLIED
