# Copyright (c) OpenMMLab. All rights reserved.
"""Data-pipeline speed: the config's train and test pipelines over video files,
one process.
"""
import contextlib
import copy
import itertools
import os
import os.path as osp
import statistics
from typing import Dict, Iterator

import numpy as np
import torch
from mmengine.config import Config

from . import decoders, formats, loader, memory
from .ceiling import (DecodeProbe, ceiling_fields, file_keyframes,
                      time_ceiling)
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


@contextlib.contextmanager
def worker_like(cfg) -> Iterator[None]:
    """Threads as in a DataLoader worker of the runner: one torch thread
    (torch sets it in each worker) and OpenCV's threads from the config's
    ``env_cfg.mp_cfg`` (MMEngine's ``set_multi_processing``; 0 = none)."""
    import cv2
    mp_cfg = (cfg.get('env_cfg') or {}).get('mp_cfg') or {}
    threads, cv_threads = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(1)
    cv2.setNumThreads(int(mp_cfg.get('opencv_num_threads', 0)))
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        cv2.setNumThreads(cv_threads)


def bench_data(cfg: Config, args) -> Dict:
    if args.decoders:
        with worker_like(cfg):
            return decoders.bench_decoders(cfg, args)
    if getattr(args, 'rss_samples', None):
        with video_folder(args) as root:
            sets = decoders.clip_sets(args, root)
            name, info = next(iter(sets.items()))
            rss = memory.rss_over_samples(cfg, info['files'],
                                          args.rss_samples,
                                          args.rss_decoders)
        return dict(median=0.0, min=0.0, max=0.0, unit='MiB', pipelines={},
                    video_sets={name: info['desc']}, rss=rss,
                    **cpu_only_fields())
    if getattr(args, 'formats', False):
        with worker_like(cfg):
            out = formats.bench_formats(cfg, args)
        first = next(iter(out['pipelines'].values()))
        out.update({k: first[k] for k in ('median', 'min', 'max', 'unit')})
        out.update(clips_per_repeat=args.clips, **cpu_only_fields())
        return out
    results, sources, loaders = {}, {}, {}
    with video_folder(args) as root, worker_like(cfg):
        sets = video_sets(args, root)
        for split, pipeline, set_name, info in pipelines_by_set(
                cfg, args.pipelines, sets):
            files = info['files']
            sources[set_name] = info['desc']
            ds = video_datasets(files, {'': copy.deepcopy(pipeline)},
                                split != 'train')['']
            probe = DecodeProbe().attach(ds)
            keys = file_keyframes(files)
            cursor = itertools.count()

            def one(ds=ds, n=len(files), cursor=cursor) -> None:
                ds[next(cursor) % n]

            probe.enabled = False
            for _ in range(args.warmup):
                one()
            per, ceilings = [], []
            for _ in range(args.repeats):  # pipeline and ceiling in turn
                probe.enabled = True
                per.append(time_block(one, args.clips, 'cpu'))
                probe.enabled = False
                ceilings.append(time_ceiling(files))
            sample = ds[0]['inputs']
            views = int(sample.shape[0]) if split != 'train' else 1
            rates = [1.0 / t for t in per]
            key = f'{split}_pipeline/{set_name}'
            results[key] = dict(
                spread(rates),
                unit='clips/s per worker',
                ms_per_clip=1e3 * statistics.median(per),
                views_per_clip=views,
                output_shape=list(sample.shape),
                output_dtype=str(sample.dtype),
                **ceiling_fields(rates, probe.records, keys, ceilings))
            got = loader.run_loader(cfg, args, split, files, pipeline, 1)
            if got is not None:
                loaders[key] = got
    first = next(iter(results.values())) if results else dict(
        median=0.0, min=0.0, max=0.0)
    out = dict(first)
    out.update(
        pipelines=results, video_sets=sources, clips_per_repeat=args.clips,
        loader=loaders,
        breakdown=dict(method=(
            'One process, no DataLoader workers: dataset[i] (decode + the '
            'config\'s transforms + packing), cycling over the videos; '
            'clips/s of one worker = clips / wall time of a repeat '
            f'({args.clips} clips); one torch thread and the config\'s '
            'OpenCV threads, as in a loader worker. Ceiling: PyAV, one '
            'thread, every frame of the same files decoded in order, no '
            'colour conversion (frames/s), timed after each repeat; '
            'ceiling rate = ceiling / GOP frames per clip (from the '
            'keyframes); fraction = rate / ceiling rate. loader: the real '
            'DataLoader (workers, collate, pin_memory), clips/s after the '
            'first batch, worker counts interleaved.')),
        **cpu_only_fields())
    return out
