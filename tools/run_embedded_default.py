# Copyright (c) OpenMMLab. All rights reserved.
"""The embedded default: MoTE end to end on generated clips, on the CPU.

    python tools/run_embedded_default.py

1. writes small real videos whose classes are defined by motion (5 seen
   motions for training/validation, 3 held-out motions for zero-shot);
2. trains the tiny MoTE of ``configs/mote/demo_tiny_motion.py`` (experts,
   weight-merging regularisation, validation with a zero-shot hook);
3. exports the merged single-FFN model (``MoTEMergedExportHook``);
4. tests it close-set (2 clips x 3 crops) and zero-shot on the held-out
   motions (their own names, TFM on);
5. prints a summary and writes it to ``<work-dir>/summary.json``.

The tiny CLIP has random weights, so its text tower knows no language:
zero-shot accuracy near chance is the expected, honest result here. With
real CLIP weights the same code runs the paper's protocol.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

import mote_mmaction  # noqa: E402,F401
from mmengine.config import Config  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mote_mmaction.utils.synthetic_videos import (  # noqa: E402
    MOTION_CLASSES, generate_motion_dataset)

CONFIG = osp.join(REPO, 'configs', 'mote', 'demo_tiny_motion.py')
CONFIG_ROOT = 'data/motion_demo'
HELD_OUT = 3


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/embedded_default')
    parser.add_argument('--data-root', default=CONFIG_ROOT)
    parser.add_argument('--epochs', type=int, default=None,
                        help='override the config (default: its 40)')
    parser.add_argument('--train-videos', type=int, default=40,
                        help='training videos per seen motion')
    parser.add_argument('--test-videos', type=int, default=8,
                        help='val/zero-shot videos per motion')
    return parser.parse_args()


def reroot(node, old: str, new: str):
    """Replace the ``old`` path prefix by ``new`` in every config string."""
    if isinstance(node, str):
        return new + node[len(old):] if node.startswith(old) else node
    if isinstance(node, dict):
        for k in list(node):
            node[k] = reroot(node[k], old, new)
        return node
    if isinstance(node, list):
        return [reroot(v, old, new) for v in node]
    return node


def make_data(root: str, train_videos: int, test_videos: int) -> dict:
    seen = list(MOTION_CLASSES[:-HELD_OUT])[:5]
    held_out = list(MOTION_CLASSES[-HELD_OUT:])
    generate_motion_dataset(root, seen, train_videos, 'train', seed=0)
    generate_motion_dataset(root, seen, test_videos, 'val', seed=1)
    generate_motion_dataset(root, held_out, test_videos, 'zeroshot', seed=2)
    return dict(seen=seen, held_out=held_out)


def build_cfg(args, work_dir: str) -> Config:
    cfg = Config.fromfile(CONFIG)
    if args.data_root != CONFIG_ROOT:
        cfg = Config(reroot(cfg.to_dict(), CONFIG_ROOT, args.data_root))
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    if args.epochs is not None:
        e = args.epochs
        cfg.train_cfg.max_epochs = e
        cfg.train_cfg.val_begin = 1
        cfg.train_cfg.val_interval = e
        cosine = cfg.param_scheduler[-1]
        if e < 2:  # too short for a warm-up epoch
            cfg.param_scheduler = [cosine]
            cosine.update(begin=0, end=e, T_max=e)
        else:
            cosine.update(end=e, T_max=e - 1)
        cfg.default_hooks.checkpoint.interval = e
    return cfg


def test_deploy(work_dir: str, dataloader: dict, name: str) -> dict:
    """Test the exported merged model with the deploy config."""
    cfg = Config.fromfile(osp.join(work_dir, 'deploy_config.py'))
    cfg.work_dir = osp.join(work_dir, name)
    cfg.test_dataloader = dataloader
    cfg.custom_hooks = [dict(type='MoTEVocabularyHook')]
    return Runner.from_cfg(cfg).test()


def main():
    args = parse_args()
    t0 = time.time()
    classes = make_data(args.data_root, args.train_videos, args.test_videos)
    t_data = time.time() - t0

    cfg = build_cfg(args, args.work_dir)
    runner = Runner.from_cfg(cfg)
    runner.train()
    val = {}
    for key in ('val/acc/top1', 'val/zeroshot/heldout/top1'):
        if key in runner.message_hub.log_scalars:
            val[key] = float(runner.message_hub.get_scalar(key).current())
    t_train = time.time() - t0 - t_data

    closeset = test_deploy(args.work_dir, cfg.test_dataloader, 'test_close')
    zs_loader = dict(cfg.zeroshot_dataloader)
    zeroshot = test_deploy(args.work_dir, zs_loader, 'test_zeroshot')

    n_seen, n_new = len(classes['seen']), len(classes['held_out'])
    summary = dict(
        seen_motions=classes['seen'],
        held_out_motions=classes['held_out'],
        data_seconds=round(t_data, 1),
        train_seconds=round(t_train, 1),
        total_seconds=round(time.time() - t0, 1),
        last_val=val,
        closeset_top1=float(closeset['acc/top1']),
        closeset_chance=1.0 / n_seen,
        zeroshot_top1=float(zeroshot['acc/top1']),
        zeroshot_chance=1.0 / n_new,
        merged_checkpoint=osp.join(args.work_dir, 'mote_merged.pth'))
    os.makedirs(args.work_dir, exist_ok=True)
    with open(osp.join(args.work_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print('\n==== MoTE embedded default: summary ====')
    print(f'data {summary["data_seconds"]} s, training '
          f'{summary["train_seconds"]} s, total '
          f'{summary["total_seconds"]} s (CPU)')
    print(f'close-set test, merged model, {n_seen} seen motions, 2x3 views: '
          f'top-1 {summary["closeset_top1"]:.3f} '
          f'(chance {summary["closeset_chance"]:.3f})')
    print(f'zero-shot, {n_new} held-out motions by name, TFM on: top-1 '
          f'{summary["zeroshot_top1"]:.3f} '
          f'(chance {summary["zeroshot_chance"]:.3f}; the tiny CLIP text '
          'tower is random, so chance level is expected)')
    print(f'merged checkpoint: {summary["merged_checkpoint"]}')
    print(f'summary: {osp.join(args.work_dir, "summary.json")}')


if __name__ == '__main__':
    main()
