# Copyright (c) OpenMMLab. All rights reserved.
"""Shared start-up of tools/train.py and tools/test.py.

Importing this module is light (no torch, no MMAction2), so ``--help`` is
instant (``mim train`` runs ``train.py -h`` before every run); the stack is
imported by :func:`load_config`, ``mote_mmaction`` (its compat patches)
first.
"""
import os
import os.path as osp
import sys
from typing import Optional

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# From a source checkout, make `custom_imports=['mote_mmaction']` resolve.
# From an installed package (.mim/tools) this points inside the package and
# the installed mote_mmaction is used.
if osp.isdir(osp.join(REPO, 'mote_mmaction')) and REPO not in sys.path:
    sys.path.insert(0, REPO)


def load_config(path: str, cfg_options: Optional[dict] = None):
    """The config at ``path`` with ``--cfg-options`` merged, loaded after
    ``mote_mmaction`` (compat patches before MMAction2 loads)."""
    import mote_mmaction  # noqa: F401
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    return cfg


def build_runner(cfg):
    """``runner_type``'s runner (FlexibleRunner, ...) or MMEngine's Runner,
    with the checks every run gets (the shipped configs have them as
    default hooks; other configs get them here): NaN/inf val/test scores
    stop the run (``MoTEScoreCheckHook``), one training run per work dir
    (``MoTEWorkDirLockHook``)."""
    from mote_mmaction.engine.hooks._utils import ensure_default_hook
    ensure_default_hook(cfg, 'score_check', 'MoTEScoreCheckHook')
    ensure_default_hook(cfg, 'work_dir_lock', 'MoTEWorkDirLockHook')
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    return RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)


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


def add_trust_argument(parser) -> None:
    """``--trusted-checkpoint FILE`` (repeatable)."""
    parser.add_argument(
        '--trusted-checkpoint',
        action='append',
        default=[],
        metavar='FILE',
        help='allow full unpickling (which can run code) of FILE when it '
        'holds more than weights; only for files you trust. The config key '
        '`trusted_checkpoints` does the same (docs/reliability.md)')


def trust_checkpoints(cfg, files=()) -> None:
    """Mark ``files`` and the config's ``trusted_checkpoints`` as trusted
    (``MOTE_TRUSTED_CHECKPOINTS``, inherited by dataloader workers and
    DDP ranks started later)."""
    from mote_mmaction.utils.safe_load import trust
    for path in [*(cfg.get('trusted_checkpoints') or []), *files]:
        trust(path)
