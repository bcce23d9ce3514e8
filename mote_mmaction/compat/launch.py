# Copyright (c) OpenMMLab. All rights reserved.
"""What ``tools/train.py`` and ``tools/test.py`` change in a config before
MMEngine builds the runner, so runs are crash-safe and start anywhere.

:func:`prepare_config` applies all of it in one call.
"""
import os
from typing import Iterable

from .safe_load import trust


def setup_cpu_distributed(cfg, launcher: str) -> None:
    """Run ``--launcher pytorch`` on machines without CUDA, with gloo.

    MMEngine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and
    fails on CPU. Without CUDA we initialise gloo ourselves (the Runner then
    skips its own init) and wrap the model without a device: the Runner's
    ``model_wrapper_cfg`` gets ``device_ids=None``; a FlexibleRunner
    ``strategy`` gets ``device_ids=None`` (DDP) or ``device_id='cpu'``
    (FSDP, whose default, ``LOCAL_RANK``, would ask for an accelerator).
    """
    import torch
    if launcher != 'pytorch' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    os.environ.setdefault('LOCAL_RANK', '0')
    strategy = cfg.get('strategy')
    if strategy is not None:
        # the strategies' own defaults when the config names no wrapper
        if 'FSDP' in str(strategy.get('type', '')):
            wrapper = dict(strategy.get('model_wrapper') or
                           dict(type='MMFullyShardedDataParallel'))
            wrapper['device_id'] = 'cpu'
        else:
            wrapper = dict(strategy.get('model_wrapper') or dict(
                type='MMDistributedDataParallel', broadcast_buffers=False))
            wrapper['device_ids'] = None
        strategy['model_wrapper'] = wrapper
        return
    wrapper = dict(cfg.get('model_wrapper_cfg') or
                   dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper


#: AmpOptimWrapper arguments that OptimWrapper does not take
_AMP_ONLY_KEYS = ('loss_scale', 'dtype', 'use_fsdp')


def amp_fallback_on_cpu(cfg) -> bool:
    """Train an AMP config (``configs/mote/k400.py``, ``--amp``) in full
    precision where no accelerator is found, with one warning, instead of
    MMEngine's bare assertion in ``AmpOptimWrapper``.

    Returns:
        bool: Whether the config was changed.
    """
    wrapper = cfg.get('optim_wrapper') or {}
    if wrapper.get('type') not in ('AmpOptimWrapper',
                                   'mmengine.AmpOptimWrapper'):
        return False
    from mmengine.device import get_device
    if get_device() != 'cpu':
        return False
    wrapper['type'] = 'OptimWrapper'
    for key in _AMP_ONLY_KEYS:
        wrapper.pop(key, None)
    from mmengine.logging import print_log
    print_log(
        'AmpOptimWrapper needs a GPU (or NPU/MLU/MUSA) and none is found: '
        'training in full precision (fp32) with OptimWrapper, same '
        'optimizer (docs/cpu.md).',
        logger='current', level=30)
    return True


def use_atomic_checkpoint_hook(cfg) -> None:
    """Replace a plain ``CheckpointHook`` by ``MoTECheckpointHook`` (same
    arguments): MMEngine's can lose every checkpoint in a crash (it deletes
    the oldest before the newest is complete)."""
    hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if hook is not None and hook.get('type') in (
            'CheckpointHook', 'mmengine.CheckpointHook'):
        hook['type'] = 'MoTECheckpointHook'


def trust_checkpoints(cfg, files=()) -> None:
    """Mark ``files`` and the config's ``trusted_checkpoints`` as trusted
    (``MOTE_TRUSTED_CHECKPOINTS``, inherited by dataloader workers and
    DDP ranks started later)."""
    for path in [*(cfg.get('trusted_checkpoints') or []), *files]:
        trust(path)


def prepare_config(cfg, launcher: str = 'none',
                   trusted: Iterable[str] = ()) -> None:
    """Every rewrite above, in place: AMP configs on CPU, trusted
    checkpoints, the atomic checkpoint hook, and ``--launcher pytorch``
    without CUDA."""
    amp_fallback_on_cpu(cfg)
    trust_checkpoints(cfg, trusted)
    use_atomic_checkpoint_hook(cfg)
    setup_cpu_distributed(cfg, launcher)
