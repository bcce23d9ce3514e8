# Copyright (c) OpenMMLab. All rights reserved.
"""Speed and memory of a MoTE config: model-only, data-only, summary.

Model-only, on synthetic tensors (random weights, no files needed)::

    # training step = train_step(): preprocess, forward(mode='loss'),
    # backward, AdamW step; plus a backbone/head breakdown
    python tools/analysis/benchmark.py configs/mote/k400.py --mode train \
        --batch 24 --amp-dtype bfloat16 --grad-ckpt on --device cuda
    # inference = test_step(): preprocess, backbone, head, view fusion;
    # --compare adds merged (4 experts) / deploy / TFM side by side
    python tools/analysis/benchmark.py configs/mote/k400.py --mode infer \
        --batch 8 --views 12 --amp-dtype bfloat16 --compare --device cuda

Data-only, the config's train and test pipelines over video files, one
process, no DataLoader workers (i.e. clips/s of one worker), each figure
beside the decoder's ceiling on the same files (benchmarking/ceiling.py),
then the real DataLoader with 1 and N workers (benchmarking/loader.py)::

    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        [--ann-file LIST --data-root ROOT]   # default: generated clips
    # decoders side by side, workers needed (benchmarking/decoders.py)
    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        --decoders decord_unsorted decord torchcodec pyav
    # storage formats: keyframe interval x short side (formats.py)
    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        --formats
    # worker memory after 1k and 5k samples, per decoder (memory.py)
    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        --rss-samples 1000 5000

Summary of several JSON results against the performance targets::

    python tools/analysis/benchmark.py --mode summary --inputs OUT/*.json

Every run prints a table; ``--json OUT`` writes all numbers, with the
method of each measurement, the machine and the software versions.
"""
import argparse
import datetime
import json
import sys
import time
from typing import Dict, Optional, Sequence

import torch
from mmaction.utils import register_all_modules
from mmengine.config import Config, DictAction
from mmengine.logging import MMLogger

from . import decoders, formats, memory
from .data import bench_data
from .infer import bench_infer
from ...compat.atomic_io import atomic_write_text
from .machine import git_state, machine_info, software_versions
from .report import format_summary, format_table, summarize
from .train import bench_train


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    p.add_argument('config', nargs='?', help='config file (not in summary)')
    p.add_argument('--mode', choices=['train', 'infer', 'data', 'summary'],
                   default='infer')
    g = p.add_argument_group('model modes (train, infer)')
    g.add_argument('--batch', type=int,
                   help='clips per step (default: the config\'s train / '
                   'test dataloader batch size)')
    g.add_argument('--views', type=int,
                   help='infer: views per clip (default: the test '
                   'pipeline\'s clips x crops)')
    g.add_argument('--frames', type=int,
                   help='frames per view (default: the pipeline\'s)')
    g.add_argument('--size', type=int,
                   help='frame size (default: the CLIP arch\'s)')
    g.add_argument('--num-classes', type=int,
                   help='training vocabulary: N generated names (default: '
                   'the config\'s num_classes)')
    g.add_argument('--tfm-classes', type=int, default=0,
                   help='infer with another vocabulary of N classes, so '
                   'TFM runs (with --compare: default 600)')
    g.add_argument('--text-templates', type=int,
                   help='use only the first N prompt templates (the table '
                   'is built once, in warm-up; only that cost changes)')
    g.add_argument('--random-text-tables', action='store_true',
                   help='seeded random class tables instead of running '
                   'the text tower (it then never runs)')
    g.add_argument('--amp-dtype',
                   choices=['config', 'none', 'float16', 'bfloat16'],
                   default='config',
                   help='autocast dtype (config: the optim_wrapper\'s)')
    g.add_argument('--loss-scale', choices=['config', 'dynamic', 'off'],
                   default='config',
                   help='CUDA AMP training: GradScaler dynamic or disabled')
    g.add_argument('--grad-ckpt', choices=['config', 'on', 'off'],
                   default='config', help='backbone gradient checkpointing')
    g.add_argument('--deploy', action='store_true',
                   help='build the one-FFN deploy model (num_experts=1)')
    g.add_argument('--compile', action='store_true',
                   help='torch.compile the CLIP visual tower')
    g.add_argument('--compare', action='store_true',
                   help='infer: merged (4 experts), deploy, TFM and the same '
                   'vocabulary without TFM, interleaved in one run')
    g.add_argument('--no-breakdown', action='store_true',
                   help='train: time the full step only')
    g.add_argument('--host-inputs', action='store_true',
                   help='synthetic batches start on the host (as a '
                   'DataLoader gives them), so the copy is timed too')
    g.add_argument('--sync-check', choices=['auto', 'on', 'off'],
                   default='auto',
                   help='CUDA: record host-device syncs of one step with '
                   'torch.cuda.set_sync_debug_mode (auto: on for CUDA)')
    g.add_argument('--tf32', action='store_true',
                   help='allow TF32 matmuls (off: PyTorch default)')
    g.add_argument('--device', default='cuda' if torch.cuda.is_available()
                   else 'cpu', choices=['cpu', 'cuda'])
    g.add_argument('--warmup', type=int, default=2,
                   help='untimed steps per variant')
    g.add_argument('--iters', type=int, default=5,
                   help='timed steps per repeat')
    g.add_argument('--repeats', type=int, default=3,
                   help='repeats; median and spread are over them')
    g.add_argument('--seed', type=int, default=0)
    d = p.add_argument_group('data mode')
    d.add_argument('--ann-file', help='video list (path label per line)')
    d.add_argument('--data-root', default='',
                   help='root of the paths in --ann-file')
    d.add_argument('--synthetic', nargs='+',
                   choices=['short256', 'full720p', 'motion64'],
                   default=['short256', 'full720p'],
                   help='generated clip sets without --ann-file: 340x256 '
                   'and 1280x720 at --video-seconds/--video-fps, or the '
                   '64x64 motion clips of mote_mmaction.toolkit.demo')
    d.add_argument('--num-videos', type=int, default=2,
                   help='generated videos per set')
    d.add_argument('--video-seconds', type=float, default=10.0)
    d.add_argument('--video-fps', type=int, default=25)
    d.add_argument('--codec', choices=['h264', 'mp4v'], default='h264',
                   help='codec of generated clips (h264 via PyAV, as '
                   'Kinetics; mp4v via OpenCV)')
    d.add_argument('--video-dir',
                   help='keep generated clips here (default: a temporary '
                   'folder, removed)')
    d.add_argument('--clips', type=int, default=8,
                   help='clips per timed repeat')
    d.add_argument('--pipelines', nargs='+', default=['train', 'test'],
                   choices=['train', 'val', 'test'])
    decoders.add_arguments(d)
    formats.add_arguments(d)
    memory.add_arguments(d)
    s = p.add_argument_group('summary mode')
    s.add_argument('--inputs', nargs='+', default=[],
                   help='JSON results (globs allowed)')
    p.add_argument('--json', help='write the results here')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override config settings, key=value')
    args = p.parse_args(argv)
    if args.mode != 'summary' and not args.config:
        p.error(f'--mode {args.mode} needs a config')
    return args


def main(argv: Optional[Sequence[str]] = None) -> Dict:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.mode == 'summary':
        result = summarize(args.inputs)
        print(format_summary(result))
    else:
        decoders.maybe_reexec_for_torchcodec(
            args, ['-m', 'mote_mmaction.toolkit.benchmarking'] + argv)
        result = run(args)
        result['command'] = ' '.join(
            ['python', 'tools/analysis/benchmark.py'] + argv)
        print(format_table(result))
        if result.get('decoders'):
            print(decoders.format_side_by_side(result))
        if result.get('rss'):
            print(memory.format_rss(result['rss']))
        if result.get('formats'):
            print(formats.format_table(result))
    if args.json:
        atomic_write_text(args.json, json.dumps(result, indent=2))
    return result


def run(args: argparse.Namespace) -> Dict:
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('--device cuda but CUDA is not available')
    register_all_modules(init_default_scope=True)
    # Quiet the per-table INFO lines; warnings still show.
    if not MMLogger.check_instance_created('mote_benchmark'):
        MMLogger.get_instance('mote_benchmark', log_level='WARNING')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.device == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    torch.manual_seed(args.seed)
    start = time.time()
    bench = dict(train=bench_train, infer=bench_infer, data=bench_data)
    result = bench[args.mode](cfg, args)
    if args.mode == 'train':
        merged = 'n/a (training: expert pass + merged pass)'
    elif args.mode == 'data':
        merged = 'n/a'
    elif args.compare:
        merged = 'compare (4 experts merged every step, deploy)'
    elif args.deploy:
        merged = 'deploy (one FFN)'
    else:
        merged = 'merged every step (4 experts)'
    if args.mode != 'train':
        result['grad_ckpt'] = 'n/a (no backward)' if args.mode == 'infer' \
            else 'n/a'
    result.update(
        mode=args.mode, config=args.config, device=args.device,
        merged=merged,
        deploy=bool(args.deploy), compile=bool(args.compile),
        warmup=args.warmup, iters=args.iters, repeats=args.repeats,
        seed=args.seed, tf32=bool(args.tf32),
        random_text_tables=bool(args.random_text_tables),
        text_templates=args.text_templates or 'config',
        host_inputs=bool(args.host_inputs),
        spread={k: result.get(k) for k in ('min', 'max', 'q1', 'q3', 'iqr')},
        torch=torch.__version__, versions=software_versions(),
        machine=machine_info(args.device), git=git_state(),
        date=datetime.datetime.now().astimezone().isoformat(
            timespec='seconds'),
        wall_s=round(time.time() - start, 1))
    return result
