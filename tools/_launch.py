# Copyright (c) OpenMMLab. All rights reserved.
"""Shared start-up of tools/train.py and tools/test.py.

Importing this module is light (no torch, no MMAction2), so ``--help`` is
instant (``mim train`` runs ``train.py -h`` before every run); the stack is
imported by :func:`load_config`, ``mote_mmaction`` (its compat patches)
first.
"""
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
    (``MoTEWorkDirLockHook``), TFM's rho logged once per vocabulary
    (``MoTETFMLogHook``). MMEngine's start-up dumps go to the log file,
    not the console."""
    from mote_mmaction.engine.hooks._utils import ensure_default_hook
    ensure_default_hook(cfg, 'score_check', 'MoTEScoreCheckHook')
    ensure_default_hook(cfg, 'work_dir_lock', 'MoTEWorkDirLockHook')
    ensure_default_hook(cfg, 'tfm_log', 'MoTETFMLogHook')
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner

    from mote_mmaction.compat.launch import console_without_startup_dumps
    with console_without_startup_dumps(cfg):
        return RUNNERS.build(cfg) if 'runner_type' in cfg else \
            Runner.from_cfg(cfg)


def prepare_config(cfg, launcher: str = 'none', trusted=()) -> None:
    """:func:`mote_mmaction.compat.launch.prepare_config` (trusted files,
    atomic checkpoints, ``--launcher pytorch`` without CUDA)."""
    from mote_mmaction.compat.launch import prepare_config as prepare
    prepare(cfg, launcher, trusted)


def add_trust_argument(parser) -> None:
    """``--trusted-checkpoint FILE`` (repeatable)."""
    parser.add_argument(
        '--trusted-checkpoint',
        action='append',
        default=[],
        metavar='FILE',
        help='allow full unpickling (which can run code) of FILE (a path or '
        'a URL) when it '
        'holds more than weights; only for files you trust. The config key '
        '`trusted_checkpoints` does the same (docs/reliability.md)')
