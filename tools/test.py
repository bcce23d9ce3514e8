# Copyright (c) OpenMMLab. All rights reserved.
"""Test a checkpoint with MMEngine's Runner.

    python tools/test.py configs/mote/k400.py CKPT [--dump results.pkl]
    python tools/test.py CONFIG CKPT --show-dir vis --interval 10
    bash tools/dist_test.sh configs/mote/zeroshot_ucf101.py CKPT 8 \
        --cfg-options test_dataloader.dataset.split=2

The checkpoint is read without running code from it (see
docs/reliability.md) and must set every model parameter; NaN/inf scores
stop the test (``MoTEScoreCheckHook``). ``--show-dir`` draws the ground
truth and top-3 predictions on the frames of every ``--interval``-th clip
(``MoTEVisualizationHook``: MMAction2's ``VisualizationHook`` cannot take
multi-view ``[V, C, T, H, W]`` inputs).
"""
import argparse
import os
import os.path as osp

from _launch import (add_trust_argument, build_runner, load_config,
                     prepare_config)
from mmengine.config import DictAction  # light: torch loads after -h


def parse_args():
    parser = argparse.ArgumentParser(description='Test a recognizer')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='dir to save logs and results')
    parser.add_argument(
        '--dump',
        type=str,
        help='dump predictions to a pickle file (.pkl)')
    parser.add_argument(
        '--show-dir',
        help='draw the predictions on the frames, one JPEG per clip, here')
    parser.add_argument(
        '--interval', type=int, default=1,
        help='with --show-dir: draw every N-th clip')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
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
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError('--dump must be a .pkl file')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        cfg.test_evaluator = ([*evaluator, dump] if isinstance(
            evaluator, (list, tuple)) else [evaluator, dump])
    if args.show_dir is not None:
        cfg.default_hooks = dict(cfg.get('default_hooks') or {})
        cfg.default_hooks['visualization'] = dict(
            type='MoTEVisualizationHook', enable=True, out_dir=args.show_dir,
            interval=args.interval)
    cfg.load_from = args.checkpoint
    return cfg


def main():
    args = parse_args()
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_config(args.config, args.cfg_options)
    cfg = merge_args(cfg, args)
    prepare_config(cfg, args.launcher, args.trusted_checkpoint)
    build_runner(cfg).test()


if __name__ == '__main__':
    main()
