# Copyright (c) OpenMMLab. All rights reserved.
"""Decoders side by side: ``benchmark.py --mode data --decoders ...``.

The config's train and test pipelines run with their decode steps
(``DecordInit``/``DecordDecode`` or ``MoTEVideoInit``/``MoTEVideoDecode``)
replaced by each variant, on the same files, interleaved within each
repeat, one process (= one dataloader worker)::

    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        --decoders decord_unsorted decord torchcodec pyav \
        [--ann-file LIST --data-root ROOT]   # default: generated clips

Variants:

- ``decord_unsorted``: MMAction2's ``DecordInit`` + ``DecordDecode``, the
  indices in sampling order (the configs before ``MoTEVideoDecode``);
- ``decord``, ``torchcodec``, ``pyav``: ``MoTEVideoInit(backend=...)`` +
  ``MoTEVideoDecode`` (indices sorted and de-duplicated, one pass).

Without ``--ann-file`` the clips are generated Kinetics-like videos: every
``--kinetics-sizes`` x ``--keyints`` (keyframe interval in frames),
``--kinetics-seconds`` at ``--kinetics-fps``, h264 (PyAV's libx264, CRF 23,
veryfast), a panning texture with a moving box and sensor noise. Each row
reports clips/s (train) or views/s (test: clips/s x views per clip) of one
worker, the ratio to ``decord_unsorted`` (median of the per-repeat
ratios), and the workers needed for the targets (580 clips/s training,
1,750 views/s testing per GPU).
"""
import copy
import itertools
import math
import os
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List

import numpy as np
from mmengine.dataset import Compose

from . import loader, report
from .ceiling import (DecodeProbe, ceiling_fields, file_keyframes,
                      time_ceiling)
from .clips import write_clip
from .measure import spread
from .pipelines import (cpu_only_fields, pipelines_by_set, video_datasets,
                        video_folder)

#: workers are sized against the project's targets (per GPU)
TARGETS = dict(train=report.TARGETS['train_clips_per_s'],
               test=report.TARGETS['infer_views_per_s'],
               val=report.TARGETS['infer_views_per_s'])
VARIANTS = ('decord_unsorted', 'decord', 'torchcodec', 'pyav')
INIT_TYPES = ('DecordInit', 'MoTEVideoInit', 'PyAVInit', 'OpenCVInit')
DECODE_TYPES = ('DecordDecode', 'MoTEVideoDecode', 'PyAVDecode',
                'OpenCVDecode')
_REEXEC = 'MOTE_BENCH_FFMPEG_REEXEC'


def add_arguments(group) -> None:
    """The data-mode options of the decoder comparison."""
    group.add_argument(
        '--decoders', nargs='+', choices=VARIANTS,
        help='compare these decode variants side by side (see '
        'mote_mmaction/toolkit/benchmarking/decoders.py)')
    group.add_argument('--kinetics-sizes', nargs='+',
                       default=['340x256', '456x256'],
                       help='WxH of the generated clips with --decoders')
    group.add_argument('--keyints', nargs='+', type=int, default=[250, 12],
                       help='keyframe intervals of the generated clips')
    group.add_argument('--kinetics-seconds', type=float, default=10.0)
    group.add_argument('--kinetics-fps', type=int, default=30)
    group.add_argument(
        '--loader-decoders', nargs='+', choices=VARIANTS,
        help='with --decoders: the variants run through the real '
        'DataLoader (default: the fastest of each row)')
    loader.add_arguments(group)


def with_decoder(pipeline: List[dict], variant: str) -> List[dict]:
    """``pipeline`` with its open and decode steps replaced by
    ``variant``'s."""
    if variant == 'decord_unsorted':
        init, decode = dict(type='DecordInit'), dict(type='DecordDecode')
    else:
        init = dict(type='MoTEVideoInit', backend=variant)
        decode = dict(type='MoTEVideoDecode')
    out, found = [], set()
    for t in copy.deepcopy(pipeline):
        if t['type'] in INIT_TYPES:
            out.append(dict(init, io_backend=t.get('io_backend', 'disk')))
            found.add('init')
        elif t['type'] in DECODE_TYPES:
            out.append(dict(decode))
            found.add('decode')
        else:
            out.append(t)
    if found != {'init', 'decode'}:
        raise ValueError('the pipeline has no video open/decode step to '
                         f'replace: {[t["type"] for t in pipeline]}')
    return out


def given_clip_set(args) -> Dict[str, Dict]:
    """``dict(given=dict(files, desc))``: the videos of ``--ann-file``."""
    with open(args.ann_file) as f:
        files = [osp.join(args.data_root, ln.split()[0])
                 for ln in f if ln.strip()]
    return dict(given=dict(files=files, desc=dict(
        source='--ann-file', videos=len(files))))


def clip_sets(args, root: str) -> Dict[str, Dict]:
    """name -> dict(files, desc): the user's list or generated clips."""
    if args.ann_file:
        return given_clip_set(args)
    sets = {}
    for size in args.kinetics_sizes:
        w, h = (int(v) for v in size.lower().split('x'))
        for keyint in args.keyints:
            name = f'{w}x{h}_g{keyint}'
            folder = osp.join(root, name)
            os.makedirs(folder, exist_ok=True)
            files = []
            for i in range(args.num_videos):
                path = osp.join(folder, f'{name}_{i}.mp4')
                if not osp.isfile(path):
                    write_clip(path, (w, h), args.kinetics_seconds,
                               args.kinetics_fps, 'h264', args.seed + i,
                               keyint=keyint)
                files.append(path)
            sets[name] = dict(files=files, desc=dict(
                source='generated', size=f'{w}x{h}', keyint=keyint,
                seconds=args.kinetics_seconds, fps=args.kinetics_fps,
                codec='h264', videos=len(files),
                mean_file_mb=float(np.mean([osp.getsize(p) for p in files])
                                   / 2**20)))
    return sets


def usable_variants(variants) -> Dict[str, str]:
    """variant -> '' if it runs here, else why not."""
    from mote_mmaction.datasets.transforms.video_readers import \
        check_backend
    out = {}
    for v in variants:
        try:
            if v != 'decord_unsorted':
                check_backend(v)
            out[v] = ''
        except ImportError as e:
            out[v] = str(e).splitlines()[0]
    return out


def maybe_reexec_for_torchcodec(args, argv: List[str]) -> None:
    """torchcodec without a system FFmpeg needs ``LD_LIBRARY_PATH`` at
    process start: start this benchmark again with PyAV's FFmpeg on it."""
    wanted = list(args.decoders or [])
    if getattr(args, 'rss_samples', None):
        wanted += args.rss_decoders
    if getattr(args, 'formats', False):
        wanted.append(args.format_decoder)
    if 'torchcodec' not in wanted or os.environ.get(_REEXEC):
        return
    if not usable_variants(['torchcodec'])['torchcodec']:
        return
    try:
        from mote_mmaction.compat.torchcodec_ffmpeg import \
            link_pyav_ffmpeg
        folder = link_pyav_ffmpeg()
    except (OSError, FileNotFoundError):
        return  # reported as unavailable
    env = dict(os.environ, **{_REEXEC: '1'})
    env['LD_LIBRARY_PATH'] = folder + (
        ':' + env['LD_LIBRARY_PATH'] if env.get('LD_LIBRARY_PATH') else '')
    print(f'[benchmark] restarting with LD_LIBRARY_PATH={folder} '
          '(PyAV\'s FFmpeg for torchcodec)', flush=True)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + argv, env)


def bench_decoders(cfg, args) -> Dict:
    """Rows ``split/set/variant`` with per-worker rates and workers needed.
    """
    status = usable_variants(args.decoders)
    variants = [v for v in args.decoders if not status[v]]
    if not variants:
        raise SystemExit(f'no decoder variant runs here: {status}')
    rows, sources, checks, loaders = {}, {}, {}, {}
    with video_folder(args) as root:
        sets = clip_sets(args, root)
        for split, base, set_name, info in pipelines_by_set(
                cfg, args.pipelines, sets):
            test_mode = split != 'train'
            files = info['files']
            sources[set_name] = info['desc']
            dss = video_datasets(
                files, {v: with_decoder(base, v) for v in variants},
                test_mode)
            # the same frames: the decode prefix of each variant
            prefix_end = 1 + max(
                i for i, t in enumerate(base)
                if t['type'] in DECODE_TYPES)
            ref = None
            for v in variants:
                np.random.seed(args.seed)
                out = Compose(with_decoder(base[:prefix_end], v))(
                    dict(filename=files[0], start_index=0,
                         modality='RGB'))
                imgs = np.stack(out['imgs']).astype(np.int16)
                if ref is None:
                    ref = (v, imgs)
                checks[f'{split}/{set_name}/{v}'] = dict(
                    vs=ref[0], frames=int(imgs.shape[0]),
                    max_abs_diff=int(np.abs(imgs - ref[1]).max())
                    if imgs.shape == ref[1].shape else 'shape differs')
            views = int(dss[variants[0]][0]['inputs'].shape[0]) \
                if test_mode else 1
            probes = {v: DecodeProbe().attach(dss[v]) for v in variants}
            keys = file_keyframes(files)
            for v in variants:  # warm-up
                probes[v].enabled = False
                for i in range(args.warmup):
                    dss[v][i % len(files)]
            rates = {v: [] for v in variants}
            ceilings = []
            for rep in range(args.repeats):
                for v in variants:  # interleaved: same drift for all
                    np.random.seed(args.seed + rep)
                    cursor = itertools.count(rep)
                    probes[v].enabled = True
                    t0 = time.perf_counter()
                    for _ in range(args.clips):
                        dss[v][next(cursor) % len(files)]
                    rates[v].append(args.clips /
                                    (time.perf_counter() - t0))
                    probes[v].enabled = False
                ceilings.append(time_ceiling(files))
            target = TARGETS[split]
            for v in variants:
                per = [r * views for r in rates[v]]
                row = dict(
                    spread(per),
                    unit='views/s per worker' if test_mode else
                    'clips/s per worker',
                    clips_per_s=statistics.median(rates[v]),
                    views_per_clip=views,
                    target=target,
                    **ceiling_fields(rates[v], probes[v].records, keys,
                                     ceilings, views))
                row['workers_for_target'] = math.ceil(
                    target / row['median'])
                if 'decord_unsorted' in rates:
                    row['ratio_vs_decord_unsorted'] = statistics.median(
                        a / b for a, b in zip(
                            rates[v], rates['decord_unsorted']))
                rows[f'{split}/{set_name}/{v}'] = row
            fastest = max(variants, key=lambda v: statistics.median(
                rates[v]))
            for v in args.loader_decoders or [fastest]:
                if v not in variants:
                    continue
                got = loader.run_loader(cfg, args, split, files,
                                        with_decoder(base, v), views)
                if got is not None:
                    loaders[f'{split}/{set_name}/{v}'] = got
    first = next(iter(rows.values()))
    out = dict(first)
    out.update(
        pipelines=rows, video_sets=sources, frame_checks=checks,
        loader=loaders,
        decoders=dict(requested=list(args.decoders), run=variants,
                      unavailable={k: v for k, v in status.items() if v}),
        clips_per_repeat=args.clips,
        breakdown=dict(method=(
            'One process, no DataLoader workers: dataset[i] (open, sample, '
            'decode with the variant, the config\'s other transforms, '
            'packing), cycling over the videos; variants interleaved in '
            f'each of {args.repeats} repeats of {args.clips} clips, the '
            'same sampling seed for every variant of a repeat; views/s = '
            'clips/s x views per clip; workers = ceil(target / median). '
            'frame_checks: max |difference| of the decoded frames of the '
            'first video against the first variant. Ceiling: PyAV, one '
            'thread, every frame of the same files decoded in order, no '
            'colour conversion (frames/s), timed in each repeat after the '
            'variants; ceiling rate = ceiling / GOP frames per clip '
            '(from the keyframes) x views; fraction = rate / ceiling rate. '
            'loader: the real DataLoader (workers, collate, pin_memory) '
            'after the first batch, worker counts interleaved.')),
        **cpu_only_fields())
    return out


def format_side_by_side(r: Dict) -> str:
    """One line per split and clip set: each variant's rate, the workers
    it needs, its ratio to decord_unsorted and its fraction of the
    decoder's ceiling; then the ceiling itself and the DataLoader runs."""
    rows = r.get('pipelines', {})
    variants = r['decoders']['run']
    groups = {}
    for key, row in rows.items():
        split, set_name, v = key.split('/')
        groups.setdefault((split, set_name), {})[v] = row
    width = 30
    head = f'   {"split/clips":<26}' + ''.join(
        f'{v:>{width}}' for v in variants) + '   decoder ceiling'
    lines = ['   per worker (workers for the target) [x vs decord_unsorted]'
             ' {fraction of the ceiling}', head]
    for (split, set_name), by in groups.items():
        cells, ceiling = [], ''
        for v in variants:
            row = by.get(v)
            if row is None:
                cells.append(f'{"-":>{width}}')
                continue
            ratio = row.get('ratio_vs_decord_unsorted')
            text = f'{row["median"]:.3g} ({row["workers_for_target"]})'
            if ratio is not None:
                text += f' [{ratio:.2f}x]'
            if row.get('fraction_of_ceiling') is not None:
                text += f' {{{row["fraction_of_ceiling"]:.0%}}}'
                ceiling = (f'   {row["ceiling_rate"]:.3g} '
                           f'({row["ceiling_frames_per_s"]:.0f} frames/s / '
                           f'{row["gop_frames_per_clip"]:.3g} per clip)')
            cells.append(f'{text:>{width}}')
        lines.append(f'   {split + "/" + set_name:<26}' + ''.join(cells) +
                     ceiling)
        decoded = {v: by[v]['decoded_frames_per_clip'] for v in variants
                   if v in by and by[v].get('decoded_frames_per_clip')}
        if decoded:
            lines.append('   ' + ' ' * 26 + 'frames decoded per clip: ' +
                         ', '.join(f'{v} {n:.3g}'
                                   for v, n in decoded.items()))
    for v, why in r['decoders']['unavailable'].items():
        lines.append(f'   {v}: not run ({why})')
    return '\n'.join(lines)
