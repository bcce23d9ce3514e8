# Copyright (c) OpenMMLab. All rights reserved.
"""Data-pipeline speed: the config's train and test pipelines over video files,
one process.
"""
import copy
import itertools
import os
import os.path as osp
import statistics
from typing import Dict

import numpy as np
import torch
from mmengine.config import Config

from . import decoders
from .clips import write_clip
from .measure import spread, time_block
from .pipelines import (cpu_only_fields, pipelines_by_set, video_datasets,
                        video_folder)


def video_sets(args, root: str) -> Dict[str, Dict]:
    """name -> dict(files, desc) of the clip sets to decode."""
    if args.ann_file:
        return decoders.given_clip_set(args)
    sets = {}
    geom = dict(short256=(340, 256), full720p=(1280, 720))
    for name in args.synthetic:
        folder = osp.join(root, name)
        os.makedirs(folder, exist_ok=True)
        if name == 'motion64':
            from mote_mmaction.testing.synthetic_videos import (
                MOTION_CLASSES, generate_motion_dataset)
            ann, _ = generate_motion_dataset(
                folder, list(MOTION_CLASSES[:args.num_videos]), 1, 'bench',
                seed=args.seed)
            with open(ann) as f:
                files = [osp.join(folder, ln.split()[0]) for ln in f
                         if ln.strip()]
            desc = dict(source='generate_motion_dataset', size='64x64',
                        frames=16, codec='mp4v')
        else:
            files = []
            for i in range(args.num_videos):
                path = osp.join(folder, f'{name}_{i}.mp4')
                if not osp.isfile(path):
                    write_clip(path, geom[name], args.video_seconds,
                               args.video_fps, args.codec, args.seed + i)
                files.append(path)
            w, h = geom[name]
            desc = dict(source='generated', size=f'{w}x{h}',
                        seconds=args.video_seconds, fps=args.video_fps,
                        codec=args.codec)
        desc['videos'] = len(files)
        desc['mean_file_mb'] = float(np.mean(
            [osp.getsize(p) for p in files]) / 2**20)
        sets[name] = dict(files=files, desc=desc)
    return sets


def bench_data(cfg: Config, args) -> Dict:
    if args.decoders:
        return decoders.bench_decoders(cfg, args)
    results, sources = {}, {}
    with video_folder(args) as root:
        sets = video_sets(args, root)
        for split, pipeline, set_name, info in pipelines_by_set(
                cfg, args.pipelines, sets):
            files = info['files']
            sources[set_name] = info['desc']
            ds = video_datasets(files, {'': copy.deepcopy(pipeline)},
                                split != 'train')['']
            cursor = itertools.count()

            def one(ds=ds, n=len(files), cursor=cursor) -> None:
                ds[next(cursor) % n]

            for _ in range(args.warmup):
                one()
            per = [time_block(one, args.clips, 'cpu')
                   for _ in range(args.repeats)]
            sample = ds[0]['inputs']
            results[f'{split}_pipeline/{set_name}'] = dict(
                spread([1.0 / t for t in per]),
                unit='clips/s per worker',
                ms_per_clip=1e3 * statistics.median(per),
                output_shape=list(sample.shape),
                output_dtype=str(sample.dtype))
    first = next(iter(results.values())) if results else dict(
        median=0.0, min=0.0, max=0.0)
    out = dict(first)
    out.update(
        pipelines=results, video_sets=sources, clips_per_repeat=args.clips,
        breakdown=dict(method=(
            'One process, no DataLoader workers: dataset[i] (decord '
            'decode + the config\'s transforms + packing), cycling over '
            'the videos; clips/s of one worker = clips / wall time of a '
            f'repeat ({args.clips} clips). torch threads: '
            f'{torch.get_num_threads()}.')),
        **cpu_only_fields())
    return out
