# Copyright (c) OpenMMLab. All rights reserved.
"""Shared start-up of tools/train.py and tools/test.py."""
import os
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# From a source checkout, make `custom_imports=['mote_mmaction']` resolve.
# From an installed package (.mim/tools) this points inside the package and
# the installed mote_mmaction is used.
if osp.isdir(osp.join(REPO, 'mote_mmaction')) and REPO not in sys.path:
    sys.path.insert(0, REPO)

import torch  # noqa: E402

import mote_mmaction  # noqa: E402,F401  (compat patches first)


def setup_cpu_distributed(cfg, launcher: str) -> None:
    """Run ``--launcher pytorch`` on machines without CUDA, with gloo.

    MMEngine's ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and
    fails on CPU. Without CUDA we initialise gloo ourselves (the Runner then
    skips its own init) and wrap the model without ``device_ids``.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return
    import torch.distributed as dist
    if not dist.is_initialized():
        dist.init_process_group('gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or
                   dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    os.environ.setdefault('LOCAL_RANK', '0')


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
