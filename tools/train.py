# Copyright (c) OpenMMLab. All rights reserved.
"""Train a recognizer (MoTE or any MMAction2 model) with MMEngine's Runner.

    python tools/train.py configs/mote/k400.py [--amp] [--resume]
    bash tools/dist_train.sh configs/mote/k400.py 8

Without CUDA, ``--launcher pytorch`` runs on gloo (see tools/_launch.py).
A config's plain ``CheckpointHook`` is replaced by ``MoTECheckpointHook``
(same arguments; a crash never leaves the run without a complete
checkpoint).
"""
import argparse
import os
import os.path as osp

from _launch import (add_trust_argument, amp_fallback_on_cpu, build_runner,
                     load_config, setup_cpu_distributed, trust_checkpoints)
from mmengine.config import DictAction  # light: torch loads after -h


def parse_args():
    parser = argparse.ArgumentParser(description='Train a recognizer')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument(
        '--amp', action='store_true', help='mixed precision training')
    parser.add_argument(
        '--no-validate', action='store_true', help='skip validation')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale lr by actual batch size / auto_scale_lr.base_batch_size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='different seeds on different ranks')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic CUDNN/algorithms')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value (e.g. '
        'model.cls_head.num_experts=4)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher. Without CUDA, `pytorch` initialises gloo here '
        'and sets model_wrapper_cfg=dict(type=\'MMDistributedDataParallel\', '
        'device_ids=None) (find_unused_parameters as in the config), since '
        'MMEngine\'s init_dist needs CUDA')
    add_trust_argument(parser)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg, args):
    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise ValueError(f'--amp needs OptimWrapper or AmpOptimWrapper, '
                             f'the config uses {wrapper}')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg:
            raise KeyError('--auto-scale-lr needs `auto_scale_lr` in the '
                           'config')
        cfg.auto_scale_lr.enable = True
    randomness = dict(seed=None)
    randomness.update(cfg.get('randomness', dict()))
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.deterministic:
        randomness['deterministic'] = True
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    cfg.randomness = randomness
    # MMEngine's CheckpointHook can lose every checkpoint in a crash
    ckpt_hook = (cfg.get('default_hooks') or {}).get('checkpoint')
    if ckpt_hook is not None and ckpt_hook.get('type') in (
            'CheckpointHook', 'mmengine.CheckpointHook'):
        ckpt_hook['type'] = 'MoTECheckpointHook'
    return cfg


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    cfg = merge_args(cfg, args)
    amp_fallback_on_cpu(cfg)
    trust_checkpoints(cfg, args.trusted_checkpoint)
    setup_cpu_distributed(cfg, args.launcher)
    build_runner(cfg).train()


if __name__ == '__main__':
    main()
