# Copyright (c) OpenMMLab. All rights reserved.
"""What ``tools/train.py`` and ``tools/test.py`` change in a config before
MMEngine builds the runner, so runs are crash-safe and start anywhere.

:func:`prepare_config` applies all of it in one call.
"""
import contextlib
import logging
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


#: MMEngine's start-up records kept out of the console (the log file keeps
#: them): environment, config and hook-order dumps, and one line per
#: parameter per option from paramwise_cfg (hundreds of lines in all).
_STARTUP_DUMPS = ('System environment:', 'Config:\n',
                  'Hooks will be executed in the following order',
                  'paramwise_options -- ')


class StartupDumpFilter(logging.Filter):
    """Drops MMEngine's start-up dumps (:data:`_STARTUP_DUMPS`) from a
    console handler, counting them."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage().lstrip('\n-')
        if msg.lstrip().startswith(_STARTUP_DUMPS):
            self.dropped += 1
            return False
        return True


def quiet_console(logger: logging.Logger) -> StartupDumpFilter:
    """Add a :class:`StartupDumpFilter` to ``logger``'s console handlers
    (not to its file handlers, which keep the full record)."""
    dump_filter = StartupDumpFilter()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and \
                not isinstance(handler, logging.FileHandler):
            handler.addFilter(dump_filter)
    return dump_filter


@contextlib.contextmanager
def console_without_startup_dumps(cfg):
    """Runners built inside this context leave MMEngine's start-up dumps
    out of their console for the whole run (the log file keeps them); one
    line says where they are. ``log_level='DEBUG'`` keeps them."""
    from mmengine.runner import Runner
    if str(cfg.get('log_level', 'INFO')).upper() == 'DEBUG':
        yield
        return
    original = Runner.build_logger

    def build_logger(runner, *args, **kwargs):
        logger = original(runner, *args, **kwargs)
        quiet_console(logger)
        files = [h.baseFilename for h in logger.handlers
                 if isinstance(h, logging.FileHandler)]
        logger.info('MMEngine\'s environment, config and hook dumps are in '
                    f'{files[0] if files else "the log file"} (not shown '
                    'here; log_level=\'DEBUG\' shows them)')
        return logger

    Runner.build_logger = build_logger
    try:
        yield
    finally:
        Runner.build_logger = original
