# Copyright (c) OpenMMLab. All rights reserved.
"""One rank of the CPU (gloo) FSDP test; run with torchrun from the test.

    torchrun --nproc_per_node=2 tests/_fsdp_worker.py DATA_ROOT OUT_DIR

Trains a tiny MoTE for 2 iterations with the runner and strategy of
configs/mote/k400_vit-l14_16f_fsdp.py (FlexibleRunner + FSDPStrategy),
started as tools/train.py starts it without CUDA, saves a checkpoint, and
writes what the test checks.
"""
import json
import math
import os
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [REPO, osp.join(REPO, 'tools')]

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402

from mote_mmaction.compat.launch import setup_cpu_distributed  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mote_mmaction.testing import (tiny_mote_model_cfg,  # noqa: E402
                                   tiny_video_pipeline)


def tiny_cfg(root, work_dir, classes):
    full = Config.fromfile(osp.join(REPO, 'configs', 'mote',
                                    'k400_vit-l14_16f_fsdp.py'))
    strategy = full.strategy.to_dict()
    # several FSDP units on the tiny model too
    strategy['model_wrapper']['auto_wrap_policy']['min_num_params'] = 20000
    return Config(
        dict(
            runner_type=full.runner_type,
            strategy=strategy,
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=tiny_mote_model_cfg(classes, num_layers=1),
            work_dir=work_dir,
            launcher='pytorch',
            env_cfg=dict(dist_cfg=dict(backend='gloo')),
            train_dataloader=dict(
                batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dict(
                    type='MoTEVideoDataset',
                    ann_file=osp.join(root, 'train.txt'),
                    data_prefix=dict(video=root),
                    class_names=osp.join(root, 'train_classes.txt'),
                    pipeline=tiny_video_pipeline(test_mode=False))),
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=2),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            default_hooks=dict(
                checkpoint=dict(type='CheckpointHook', interval=2),
                logger=dict(type='LoggerHook', interval=1)),
            randomness=dict(seed=0),
            log_level='WARNING'))


def full_params(model):
    """The unsharded parameters (every rank takes part)."""
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
    with FSDP.summon_full_params(model, writeback=False):
        return {k: v.detach().clone() for k, v in model.named_parameters()}


def main():
    root, out = sys.argv[1], sys.argv[2]
    classes = [c for c in open(osp.join(root, 'train_classes.txt')).read()
               .split('\n') if c]
    cfg = tiny_cfg(root, osp.join(out, 'work'), classes)
    # as tools/train.py --launcher pytorch: gloo, shards kept on the CPU
    setup_cpu_distributed(cfg, cfg.launcher)
    assert cfg.strategy.model_wrapper.device_id == 'cpu'
    rank = dist.get_rank()
    runner = RUNNERS.build(cfg)
    losses = []
    runner.register_hook(_LossHook(losses), 'LOWEST')
    runner.train()
    model = runner.model
    after = full_params(model)
    torch.save(after, osp.join(out, f'params_rank{rank}.pth'))
    result = dict(
        rank=rank,
        wrapper=type(model).__name__,
        losses=losses,
        finite=all(math.isfinite(v) for v in losses),
        ckpt=sorted(f for f in os.listdir(osp.join(out, 'work'))
                    if f.endswith('.pth')))
    with open(osp.join(out, f'result_rank{rank}.json'), 'w') as f:
        json.dump(result, f)
    dist.barrier()
    dist.destroy_process_group()


class _LossHook(Hook):
    """Records each training iteration's loss."""

    priority = 'LOWEST'

    def __init__(self, losses):
        self.losses = losses

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        self.losses.append(float(outputs['loss']))


if __name__ == '__main__':
    main()
