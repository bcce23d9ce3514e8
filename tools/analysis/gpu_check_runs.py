# Copyright (c) OpenMMLab. All rights reserved.
"""Runs of real configs on generated clips, for tools/analysis/gpu_check.sh.

``train``: a config's own training (its Runner or FlexibleRunner, strategy,
optimizer wrapper, data pipeline and DataLoader workers) for a few
iterations on generated Kinetics-like clips, with random weights (no CLIP
file)::

    python tools/analysis/gpu_check_runs.py train configs/mote/k400_fp16.py \
        --work-dir work_dirs/fp16 --iters 2 --json fp16.json
    torchrun --nproc_per_node 1 tools/analysis/gpu_check_runs.py train \
        configs/mote/k400_vit-l14_16f_fsdp.py --launcher pytorch ...

records the losses, the loss scale of an AMP wrapper, the peak GPU memory
and the iteration and data times.

``decode``: ``MoTEGPUDecodePreprocessor`` (configs/mote/k400_gpu_decode.py)
against the CPU pipeline of the base config: the test views of one clip
compared pixel by pixel, then clips/s of each path through a DataLoader
with workers (the CPU loader with ``--cpu-workers``, every core by
default)::

    python tools/analysis/gpu_check_runs.py decode \
        configs/mote/k400_gpu_decode.py --base configs/mote/k400.py \
        --json decode.json

Each prints one ``== {json}`` line and exits non-zero when the run fails.
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path[:0] = [REPO, osp.join(REPO, 'tools')]

from _launch import build_runner, load_config, prepare_config  # noqa: E402,E501


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    for name in ('train', 'decode'):
        s = sub.add_parser(name)
        s.add_argument('config')
        s.add_argument('--json', required=True, help='result file')
        s.add_argument('--data', help='generated clips go here (default: '
                       'a temporary folder)')
        s.add_argument('--videos', type=int, default=4,
                       help='distinct generated clips (listed repeatedly)')
        s.add_argument('--video-size', default='340x256',
                       help='WxH of the clips (Kinetics short side 256)')
        s.add_argument('--video-seconds', type=float, default=4.0)
        s.add_argument('--video-fps', type=int, default=30)
        s.add_argument('--cfg-options', nargs='+', action=DictAction)
    t = sub.choices['train']
    t.add_argument('--work-dir', required=True)
    t.add_argument('--iters', type=int, default=2,
                   help='iterations (one epoch of iters x batch clips)')
    t.add_argument('--batch', type=int,
                   help='clips per GPU (default: the config\'s)')
    t.add_argument('--workers', type=int,
                   help='DataLoader workers (default: the config\'s, at '
                   'most the CPU count)')
    t.add_argument('--num-classes', type=int,
                   help='generated class names (default: the head\'s)')
    t.add_argument('--amp', action='store_true', help='as tools/train.py')
    t.add_argument('--save-checkpoint', action='store_true',
                   help='keep the config\'s checkpoint hook (a save at the '
                   'end of the epoch; default: none is saved)')
    t.add_argument('--strategy-from',
                   help='take runner_type and strategy from this config '
                   '(e.g. the FSDP one, for a smaller model)')
    t.add_argument('--launcher', choices=['none', 'pytorch'],
                   default='none')
    t.add_argument('--local_rank', '--local-rank', type=int, default=0)
    d = sub.choices['decode']
    d.add_argument('--base', default='configs/mote/k400.py',
                   help='the config whose CPU pipeline is compared')
    d.add_argument('--decoder', help='override the preprocessor\'s decoder')
    d.add_argument('--decode-device',
                   help='override its decode_device (\'none\': the model\'s)')
    d.add_argument('--device', default='cuda', choices=['cuda', 'cpu'])
    d.add_argument('--batch', type=int, default=24)
    d.add_argument('--batches', type=int, default=4,
                   help='timed batches per path (after one untimed)')
    d.add_argument('--cpu-workers', type=int, default=os.cpu_count(),
                   help='workers of the CPU loader')
    d.add_argument('--gpu-workers', type=int,
                   help='workers of the GPU path (default: the config\'s)')
    return p.parse_args(argv)


def make_clips(root: str, args: argparse.Namespace) -> List[str]:
    """``args.videos`` h264 clips of a panning texture, cached in root."""
    from mote_mmaction.toolkit.benchmarking.clips import write_clip
    os.makedirs(root, exist_ok=True)
    w, h = (int(v) for v in args.video_size.lower().split('x'))
    files = []
    for i in range(args.videos):
        name = f'clip_{w}x{h}_{args.video_seconds:g}s_{i}.mp4'
        if not osp.isfile(osp.join(root, name)):
            write_clip(osp.join(root, name), (w, h), args.video_seconds,
                       args.video_fps, 'h264', seed=i)
        files.append(name)
    return files


def write_lists(root: str, files: Sequence[str], entries: int,
                num_classes: int) -> Dict[str, str]:
    """A video list of ``entries`` lines over ``files`` and a class-name
    file of ``num_classes`` generated names."""
    from mote_mmaction.compat.atomic_io import atomic_write_text
    ann = osp.join(root, f'list_{entries}_{num_classes}.txt')
    names = osp.join(root, f'classes_{num_classes}.txt')
    atomic_write_text(ann, ''.join(
        f'{files[i % len(files)]} {i % num_classes}\n'
        for i in range(entries)))
    atomic_write_text(names, ''.join(
        f'generated action {i}\n' for i in range(num_classes)))
    return dict(ann_file=ann, class_names=names)


def reroot_dataset(dataset: dict, root: str, lists: Dict[str, str]) -> None:
    # a few generated clips repeated to the run's length, on purpose
    dataset.update(ann_file=lists['ann_file'],
                   data_prefix=dict(video=root),
                   class_names=lists['class_names'],
                   allow_duplicates=True)


def random_weights(cfg) -> None:
    """No CLIP file: both towers start from open_clip's random init."""
    cfg.model.backbone.pretrained = None
    encoder = cfg.model.cls_head.get('text_encoder')
    if encoder is not None:
        encoder.pretrained = None


def scalars_rows(work_dir: str) -> List[dict]:
    found = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                      'scalars.json')))
    if not found:
        return []
    with open(found[-1], encoding='utf-8') as f:
        return [json.loads(line) for line in f if line.strip()]


def finish(result: dict, path: str, ok: bool) -> None:
    from mote_mmaction.compat.atomic_io import atomic_write_text
    result['ok'] = bool(ok)
    atomic_write_text(path, json.dumps(result, indent=2))
    print('==', json.dumps(result))
    if not ok:
        sys.exit(1)


def train(args: argparse.Namespace) -> None:
    import torch
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = load_config(args.config, args.cfg_options)
    if args.strategy_from:
        other = load_config(args.strategy_from)
        for key in ('runner_type', 'strategy'):
            if key in other:
                cfg[key] = other[key]
    loader = cfg.train_dataloader
    batch = args.batch or loader.batch_size
    loader.batch_size = batch
    workers = args.workers if args.workers is not None else \
        min(loader.get('num_workers', 0), os.cpu_count() or 1)
    loader.num_workers = workers
    loader.persistent_workers = bool(workers and
                                     loader.get('persistent_workers'))
    root = args.data or tempfile.mkdtemp(prefix='gpu_check_clips_')
    num_classes = args.num_classes or cfg.model.cls_head.num_classes
    cfg.model.cls_head.num_classes = num_classes
    world = int(os.environ.get('WORLD_SIZE', '1'))
    lists = write_lists(root, make_clips(root, args),
                        args.iters * batch * world, num_classes)
    reroot_dataset(loader.dataset, root, lists)
    cfg.model.cls_head.class_names = lists['class_names']
    random_weights(cfg)
    # one epoch of args.iters iterations, nothing but training
    cfg.train_cfg.max_epochs = 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    if not args.save_checkpoint:
        cfg.default_hooks.checkpoint = None
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = args.work_dir
    cfg.launcher = args.launcher
    cfg.randomness = dict(seed=0)
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    prepare_config(cfg, args.launcher)
    runner = build_runner(cfg)
    cuda = torch.cuda.is_available()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    runner.train()
    wall = time.perf_counter() - start
    if int(os.environ.get('RANK', '0')) != 0:
        return
    rows = [r for r in scalars_rows(runner.work_dir) if 'loss' in r]
    wrapper = runner.optim_wrapper
    scaler = getattr(wrapper, 'loss_scaler', None)
    result = dict(
        mode='runner_train', config=args.config,
        runner=type(runner).__name__,
        strategy=cfg.get('strategy', {}).get('type'),
        world_size=world,
        # FSDP on one GPU falls back to NO_SHARD (nothing to shard across)
        sharding=str(getattr(runner.model, 'sharding_strategy', None)),
        optim_wrapper=type(wrapper).__name__,
        amp_dtype=str(getattr(wrapper, 'cast_dtype', None)),
        batch=batch, workers=workers, num_classes=num_classes,
        iterations=len(rows), losses=[r['loss'] for r in rows],
        losses_finite=all(math.isfinite(r['loss']) for r in rows),
        loss_scale=scaler.get_scale() if scaler is not None and
        scaler.is_enabled() else None,
        loss_scale_growth_tracker=int(scaler._get_growth_tracker())
        if scaler is not None and scaler.is_enabled() else None,
        iter_time_s=[r.get('time') for r in rows],
        data_time_s=[r.get('data_time') for r in rows],
        log_memory_mb=[r.get('memory') for r in rows],
        peak_mem_mb=torch.cuda.max_memory_allocated() / 2**20
        if cuda else None,
        wall_s=wall, clips=lists['ann_file'],
        checkpoints=sorted(osp.basename(p) for p in glob.glob(
            osp.join(runner.work_dir, '*.pth'))),
        device=torch.cuda.get_device_name() if cuda else 'cpu',
        torch=torch.__version__)
    finish(result, args.json, len(rows) == args.iters and
           result['losses_finite'])


def decode(args: argparse.Namespace) -> None:
    import torch
    gpu_cfg = load_config(args.config, args.cfg_options)  # compat first
    cpu_cfg = load_config(args.base)
    from mmaction.registry import DATASETS, MODELS
    from mmaction.utils import register_all_modules
    from mmengine.runner import Runner
    register_all_modules(init_default_scope=True)
    root = args.data or tempfile.mkdtemp(prefix='gpu_check_clips_')
    files = make_clips(root, args)
    entries = args.batch * (args.batches + 1)
    lists = write_lists(root, files, entries,
                        cpu_cfg.model.cls_head.num_classes)
    pre_cfg = gpu_cfg.model.data_preprocessor
    if args.decoder:
        pre_cfg.decoder = args.decoder
    if args.decode_device:
        pre_cfg.decode_device = None if args.decode_device == 'none' \
            else args.decode_device
    result = dict(mode='gpu_decode', config=args.config, base=args.base,
                  device=args.device,
                  clips=dict(videos=len(files), size=args.video_size,
                             seconds=args.video_seconds, fps=args.video_fps))

    def dataset(cfg, split, test_mode):
        ds = cfg[split].dataset.to_dict()
        reroot_dataset(ds, root, lists)
        ds['test_mode'] = test_mode
        return DATASETS.build(ds)

    # 1. the test views of one clip, GPU path vs CPU pipeline
    gpu_sample = dataset(gpu_cfg, 'test_dataloader', True)[0]
    cpu_views = dataset(cpu_cfg, 'test_dataloader', True)[0]['inputs']
    try:
        pre = MODELS.build(pre_cfg).to(args.device)
        gpu_views = pre.decode_views(gpu_sample['inputs'],
                                     gpu_sample['data_samples'].metainfo)
    except (RuntimeError, ImportError) as e:
        if not str(pre_cfg.get('decode_device')).startswith('cuda'):
            raise
        # no NVDEC here: still check and time the rest of the GPU path
        # (views on the GPU) with torchcodec decoding on the CPU
        result['nvdec_error'] = f'{type(e).__name__}: {e}'
        print('NVDEC decoding failed, decoding on the CPU instead:',
              result['nvdec_error'])
        pre_cfg.decode_device = 'cpu'
        pre = MODELS.build(pre_cfg).to(args.device)
        gpu_views = pre.decode_views(gpu_sample['inputs'],
                                     gpu_sample['data_samples'].metainfo)
    result['preprocessor'] = repr(pre)
    diff = (gpu_views.cpu().int() - cpu_views.int()).abs()
    result['test_views'] = dict(
        shape=list(gpu_views.shape), same_shape=gpu_views.shape ==
        cpu_views.shape, max_abs_diff=int(diff.max()),
        mean_abs_diff=float(diff.float().mean()),
        # tests/models/data_preprocessors/test_gpu_decode_preprocessor.py:
        # a few levels (YUV->RGB of NVDEC vs swscale, resize kernels)
        within_tolerance=bool(diff.float().mean() < 3))

    # 2. clips/s of the training loaders, each to a batch on the device
    def throughput(cfg, workers, to_device):
        loader_cfg = cfg.train_dataloader.to_dict()
        loader_cfg.update(batch_size=args.batch, num_workers=workers,
                          persistent_workers=False)
        loader_cfg['dataset'] = dataset(cfg, 'train_dataloader', False)
        loader = Runner.build_dataloader(loader_cfg, seed=0)
        times, it = [], iter(loader)
        for i in range(args.batches + 1):
            start = time.perf_counter()
            batch = to_device(next(it))
            if args.device == 'cuda':
                torch.cuda.synchronize()
            if i:  # the first batch includes the workers' start
                times.append(time.perf_counter() - start)
        del it, loader
        clips = args.batch * len(times)
        return dict(workers=workers, clips=clips, seconds=sum(times),
                    clips_per_s=clips / sum(times),
                    batch_shape=list(batch.shape))

    # each path ends in its config's data preprocessor, as in training
    cpu_pre = MODELS.build(cpu_cfg.model.data_preprocessor).to(args.device)

    def cpu_to_device(data):
        return cpu_pre(data, True)['inputs']

    def gpu_to_device(data):
        return pre(data, True)['inputs']

    gpu_workers = args.gpu_workers if args.gpu_workers is not None else \
        gpu_cfg.train_dataloader.get('num_workers', 0)
    result['cpu_loader'] = throughput(cpu_cfg, args.cpu_workers,
                                      cpu_to_device)
    result['gpu_decode_loader'] = throughput(gpu_cfg, gpu_workers,
                                             gpu_to_device)
    result['gpu_over_cpu'] = result['gpu_decode_loader']['clips_per_s'] / \
        result['cpu_loader']['clips_per_s']
    result['torch'] = torch.__version__
    finish(result, args.json, result['test_views']['same_shape'] and
           result['test_views']['within_tolerance'])


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    dict(train=train, decode=decode)[args.cmd](args)


if __name__ == '__main__':
    main()
