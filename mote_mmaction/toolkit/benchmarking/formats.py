# Copyright (c) OpenMMLab. All rights reserved.
"""Storage formats side by side: ``benchmark.py --mode data --formats``.

Generated Kinetics-like source clips (``--format-sources``, ``WxH_gK``: a
keyframe every K frames) are re-encoded by ``tools/data/resize_videos.py``
(its ``resize_one``, as a dataset would be) to every short side of
``--format-short-sides`` and keyframe interval of ``--format-keyints``;
the config's train and test pipelines then run on each format with one
decoder (``--format-decoder``), the formats interleaved within each
repeat, one process (= one dataloader worker)::

    python tools/analysis/benchmark.py configs/mote/k400.py --mode data \
        --formats --format-sources 1280x720_g250 340x256_g250 \
        --format-keyints 1 4 8 16 32 --format-short-sides 224 256

Each row gives train clips/s or test views/s per worker, the bytes of a
clip (``--kinetics-seconds`` long) and the decoder's ceiling on the
re-encoded file (:mod:`.ceiling`).
"""
import importlib.util
import itertools
import os
import os.path as osp
import statistics
import time
from typing import Dict, List

import numpy as np

from .ceiling import (DecodeProbe, ceiling_fields, file_keyframes,
                      time_ceiling)
from .clips import write_clip
from .decoders import TARGETS, VARIANTS, with_decoder
from .machine import REPO
from .measure import spread
from .pipelines import pipeline_of, video_datasets, video_folder


def add_arguments(group) -> None:
    group.add_argument(
        '--formats', action='store_true',
        help='re-encode generated sources to each keyframe interval and '
        'short side and time the pipelines on each (benchmarking/'
        'formats.py)')
    group.add_argument('--format-sources', nargs='+',
                       default=['1280x720_g250', '340x256_g250'],
                       help='generated sources, WxH_gK (keyframe every K)')
    group.add_argument('--format-keyints', nargs='+', type=int,
                       default=[1, 4, 8, 16, 32])
    group.add_argument('--format-short-sides', nargs='+', type=int,
                       default=[224, 256])
    group.add_argument('--format-crf', type=int, default=23)
    group.add_argument('--format-decoder', choices=VARIANTS, default='pyav')


def _resize_tool():
    spec = importlib.util.spec_from_file_location(
        'resize_videos', osp.join(REPO, 'tools', 'data', 'resize_videos.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def make_formats(args, root: str) -> Dict[str, Dict]:
    """name -> dict(files, desc): every source re-encoded to every format
    (files kept in ``root`` are reused)."""
    tool = _resize_tool()
    out = {}
    for source in args.format_sources:
        size, keyint = source.lower().split('_g')
        w, h = (int(v) for v in size.split('x'))
        srcs = []
        for i in range(args.num_videos):
            path = osp.join(root, 'sources', f'{source}_{i}.mp4')
            os.makedirs(osp.dirname(path), exist_ok=True)
            if not osp.isfile(path):
                write_clip(path, (w, h), args.kinetics_seconds,
                           args.kinetics_fps, 'h264', args.seed + i,
                           keyint=int(keyint))
            srcs.append(path)
        for short in args.format_short_sides:
            for k in args.format_keyints:
                name = f'{source}>s{short}_g{k}'
                files = []
                for i, src in enumerate(srcs):
                    dst = osp.join(root, f'{source}_s{short}_g{k}',
                                   f'{i}.mp4')
                    if not osp.isfile(dst):
                        status, detail, _, _ = tool.resize_one(
                            src, dst, short, k, args.format_crf,
                            'veryfast')
                        if status != 'done':
                            raise RuntimeError(f'{src}: {detail}')
                    files.append(dst)
                out[name] = dict(files=files, desc=dict(
                    source=source, short_side=short, keyint=k,
                    crf=args.format_crf, seconds=args.kinetics_seconds,
                    fps=args.kinetics_fps, videos=len(files),
                    bytes_per_clip=float(np.mean(
                        [osp.getsize(p) for p in files])),
                    source_bytes_per_clip=float(np.mean(
                        [osp.getsize(p) for p in srcs]))))
    return out


def bench_formats(cfg, args) -> Dict:
    """Rows ``split/format``: per-worker rate, bytes per clip, ceiling."""
    rows, sources = {}, {}
    with video_folder(args) as root:
        formats = make_formats(args, root)
        for split in args.pipelines:
            base = pipeline_of(cfg, split)
            if not base:
                continue
            pipe = with_decoder(base, args.format_decoder)
            test_mode = split != 'train'
            dss, probes, keys = {}, {}, {}
            for name, info in formats.items():
                sources[name] = info['desc']
                dss[name] = video_datasets(info['files'], {'': list(pipe)},
                                           test_mode)['']
                probes[name] = DecodeProbe().attach(dss[name])
                probes[name].enabled = False
                keys.update(file_keyframes(info['files']))
                for i in range(args.warmup):
                    dss[name][i % len(info['files'])]
            first = next(iter(dss.values()))
            views = int(first[0]['inputs'].shape[0]) if test_mode else 1
            rates = {n: [] for n in formats}
            ceilings = {n: [] for n in formats}
            for rep in range(args.repeats):
                for name, info in formats.items():  # interleaved
                    np.random.seed(args.seed + rep)
                    cursor = itertools.count(rep)
                    probes[name].enabled = True
                    t0 = time.perf_counter()
                    for _ in range(args.clips):
                        dss[name][next(cursor) % len(info['files'])]
                    rates[name].append(args.clips /
                                       (time.perf_counter() - t0))
                    probes[name].enabled = False
                    ceilings[name].append(time_ceiling(info['files']))
            for name in formats:
                per = [r * views for r in rates[name]]
                rows[f'{split}/{name}'] = dict(
                    spread(per),
                    unit='views/s per worker' if test_mode else
                    'clips/s per worker',
                    clips_per_s=statistics.median(rates[name]),
                    views_per_clip=views, target=TARGETS[split],
                    bytes_per_clip=formats[name]['desc']['bytes_per_clip'],
                    **ceiling_fields(rates[name], probes[name].records,
                                     keys, ceilings[name], views))
    return dict(
        pipelines=rows, video_sets=sources,
        formats=dict(decoder=args.format_decoder, crf=args.format_crf),
        breakdown=dict(method=(
            'Sources generated (panning texture, moving box, noise; h264 '
            'CRF 23) and re-encoded with tools/data/resize_videos.py '
            'resize_one to each short side and keyframe interval; the '
            f'config\'s pipelines with the {args.format_decoder} decoder, '
            f'{args.clips} clips per format and repeat, formats '
            f'interleaved in each of {args.repeats} repeats, one process '
            '(one torch thread, the config\'s OpenCV threads); ceiling as '
            'in the data mode.')))


def format_table(r: Dict) -> str:
    """A markdown table: one line per format, train and test side by
    side."""
    rows = r['pipelines']
    names: List[str] = []
    for key in rows:
        name = key.split('/', 1)[1]
        if name not in names:
            names.append(name)
    lines = ['| format (source > short side, keyint) | KB per clip | '
             'train clips/s | train % of ceiling | test views/s | '
             'test % of ceiling |', '|---|---|---|---|---|---|']

    def cell(row, key):
        if row is None:
            return '-', '-'
        frac = row.get('fraction_of_ceiling')
        return (f'{row["median"]:.3g} ({row["min"]:.3g}-{row["max"]:.3g})',
                '-' if frac is None else f'{frac:.0%}')

    for name in names:
        train = rows.get(f'train/{name}')
        test = rows.get(f'test/{name}')
        any_row = train or test
        kb = any_row['bytes_per_clip'] / 1024
        lines.append(f'| {name} | {kb:.0f} | ' + ' | '.join(
            cell(train, 'train') + cell(test, 'test')) + ' |')
    return '\n'.join(lines)
