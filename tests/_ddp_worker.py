# Copyright (c) OpenMMLab. All rights reserved.
"""One rank of the CPU (gloo) DDP test; run with torchrun from the test.

    torchrun --nproc_per_node=2 tests/_ddp_worker.py DATA_ROOT OUT_DIR MODES

MODES is a comma-separated list of ``sync_routing`` values (1/0); each
mode trains its own runner, one after the other in the same process group
(one launch of the stack for all), writing to ``OUT_DIR/sync<m>``.
"""
import os
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [REPO, osp.join(REPO, 'tools')]

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mote_mmaction.compat.launch import setup_cpu_distributed  # noqa: E402

from mote_mmaction.testing import (  # noqa: E402
    tiny_mote_model_cfg, tiny_video_pipeline)


def main():
    root, out_root = sys.argv[1], sys.argv[2]
    for mode in sys.argv[3].split(','):
        out = osp.join(out_root, f'sync{mode}')
        os.makedirs(out, exist_ok=True)
        train_one(root, out, mode == '1')
    dist.barrier()
    dist.destroy_process_group()


def train_one(root, out, sync):
    classes = open(osp.join(root, 'train_classes.txt')).read().split('\n')
    classes = [c for c in classes if c]

    def loader(split, shuffle, test_mode):
        return dict(
            batch_size=2,
            num_workers=0,
            sampler=dict(type='DefaultSampler', shuffle=shuffle),
            dataset=dict(
                type='MoTEVideoDataset',
                ann_file=osp.join(root, f'{split}.txt'),
                data_prefix=dict(video=root),
                class_names=osp.join(root, 'train_classes.txt'),
                pipeline=tiny_video_pipeline(test_mode=test_mode),
                test_mode=test_mode))

    cfg = Config(
        dict(
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=tiny_mote_model_cfg(classes, num_layers=2,
                                      sync_routing=sync),
            work_dir=osp.join(out, 'work'),
            launcher='pytorch',
            find_unused_parameters=False,
            train_dataloader=loader('train', True, False),
            val_dataloader=loader('val', False, True),
            val_evaluator=[
                dict(type='AccMetric'),
                dict(type='DumpResults',
                     out_file_path=osp.join(out, 'val_dump.pkl'))
            ],
            train_cfg=dict(type='IterBasedTrainLoop', max_iters=3,
                           val_interval=3),
            val_cfg=dict(type='ValLoop'),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                               interval=100)),
            custom_hooks=[dict(type='MoTERoutingStepHook')],
            randomness=dict(seed=0, diff_rank_seed=True),
            log_level='WARNING'))
    # as tools/train.py --launcher pytorch without CUDA: gloo, DDP without
    # device_ids, the config's find_unused_parameters
    setup_cpu_distributed(cfg, cfg.launcher)
    rank = dist.get_rank()
    runner = Runner.from_cfg(cfg)
    head = runner.model.module.cls_head
    draws = []
    orig = head.router.draw

    def record():
        result = orig()
        draws.append(result)
        return result

    head.router.draw = record
    runner.train()
    state = {k: v.detach().clone() for k, v in
             runner.model.module.state_dict().items()}
    torch.save(state, osp.join(out, f'state_rank{rank}.pth'))
    with open(osp.join(out, f'draws_rank{rank}.json'), 'w') as f:
        json.dump(draws, f)
    dist.barrier()


if __name__ == '__main__':
    main()
