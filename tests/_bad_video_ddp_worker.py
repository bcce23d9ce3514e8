# Copyright (c) OpenMMLab. All rights reserved.
"""One rank of the CPU (gloo) DDP bad-video test; run with torchrun from
``tests/engine/hooks/test_bad_video_hook.py``.

    torchrun --nproc_per_node=2 tests/_bad_video_ddp_worker.py ROOT OUT

Trains 2 epochs on ``ROOT/mixed.txt`` (good and broken videos) with one
persistent dataloader worker per rank, validates on it with
``skip_bad_videos=True``, and writes ``OUT/rank<r>.json`` with the
per-epoch bad-video history, the excluded count and the number of
samples the metric scored.
"""
import json
import os.path as osp
import sys

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path[:0] = [REPO, osp.join(REPO, 'tools'), osp.join(REPO, 'tests')]

import torch.distributed as dist  # noqa: E402

import mote_mmaction  # noqa: E402,F401
from _bad_videos import CLASSES  # noqa: E402
from mmaction.evaluation import AccMetric  # noqa: E402
from mmaction.registry import METRICS  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mote_mmaction.compat.launch import setup_cpu_distributed  # noqa: E402

from mote_mmaction.testing import (  # noqa: E402
    tiny_mote_model_cfg, tiny_video_pipeline)

SEEN = []


@METRICS.register_module()
class DDPCountingAccMetric(AccMetric):
    """``AccMetric`` that remembers how many samples it scored (rank 0
    scores the gathered results)."""

    def compute_metrics(self, results):
        SEEN.append(len(results))
        return super().compute_metrics(results)


def main():
    root, out = sys.argv[1], sys.argv[2]

    def dataset(test_mode, **kw):
        return dict(
            type='MoTEVideoDataset',
            ann_file=osp.join(root, 'mixed.txt'),
            data_prefix=dict(video=root),
            class_names=CLASSES,
            pipeline=tiny_video_pipeline(),
            test_mode=test_mode,
            **kw)

    cfg = Config(
        dict(
            default_scope='mmaction',
            custom_imports=dict(imports=['mote_mmaction']),
            model=tiny_mote_model_cfg(CLASSES),
            work_dir=osp.join(out, 'work'),
            launcher='pytorch',
            train_dataloader=dict(
                batch_size=2,
                num_workers=1,
                persistent_workers=True,
                sampler=dict(type='DefaultSampler', shuffle=True),
                dataset=dataset(False)),
            val_dataloader=dict(
                batch_size=2,
                num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dataset(True, skip_bad_videos=True, scan_workers=2)),
            val_evaluator=dict(type='DDPCountingAccMetric'),
            train_cfg=dict(
                type='EpochBasedTrainLoop', max_epochs=2, val_begin=2),
            val_cfg=dict(type='ValLoop'),
            optim_wrapper=dict(optimizer=dict(type='AdamW', lr=1e-3)),
            custom_hooks=[dict(type='MoTEBadVideoReportHook', interval=1)],
            default_hooks=dict(checkpoint=None),
            randomness=dict(seed=0),
            log_level='INFO'))
    # as tools/train.py --launcher pytorch without CUDA
    setup_cpu_distributed(cfg, cfg.launcher)
    rank = dist.get_rank()
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    result = dict(
        history=hub.get_info('bad_videos'),
        excluded=int(hub.get_scalar('val/excluded_videos').current()),
        seen=SEEN)
    with open(osp.join(out, f'rank{rank}.json'), 'w') as f:
        json.dump(result, f)
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
