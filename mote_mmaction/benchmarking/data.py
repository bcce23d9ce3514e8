# Copyright (c) OpenMMLab. All rights reserved.
"""Data-pipeline speed: the config's train and test pipelines over video files,
one process.
"""
import copy
import itertools
import os
import os.path as osp
import statistics
from typing import Dict, Tuple

import numpy as np
import torch
from mmengine.config import Config

from . import decoders
from .measure import spread, time_block
from .pipelines import (cpu_only_fields, pipeline_of, video_datasets,
                        video_folder)


def _texture(rng, w: int, h: int, pad: int) -> np.ndarray:
    import cv2
    small = rng.integers(0, 256, ((h + pad) // 4 + 2, (w + pad) // 4 + 2,
                                  3), dtype=np.uint8)
    return cv2.resize(small, (w + pad, h + pad),
                      interpolation=cv2.INTER_CUBIC)


def write_clip(path: str, size: Tuple[int, int], seconds: float, fps: int,
               codec: str, seed: int) -> None:
    """A panning texture with a moving box: real, compressible video."""
    import cv2
    w, h = size
    n = max(int(round(seconds * fps)), 1)
    pad = 64
    rng = np.random.default_rng(seed)
    tex = _texture(rng, w, h, pad)

    def frames():
        for i in range(n):
            ox = int(pad / 2 + pad / 2 * np.sin(2 * np.pi * i / n))
            oy = (i // 2) % pad
            img = tex[oy:oy + h, ox:ox + w].copy()
            # mild sensor noise: bitrates nearer real footage
            img = cv2.add(img, rng.integers(0, 6, (h, w, 3), np.uint8))
            cx = int((0.2 + 0.6 * i / max(n - 1, 1)) * w)
            cv2.rectangle(img, (cx - w // 10, h // 3),
                          (cx + w // 10, 2 * h // 3), (240, 200, 40), -1)
            yield img

    if codec == 'h264':
        import av
        with av.open(path, 'w') as container:
            stream = container.add_stream('libx264', rate=fps)
            stream.width, stream.height = w, h
            stream.pix_fmt = 'yuv420p'
            stream.options = dict(preset='veryfast', crf='23')
            for img in frames():
                frame = av.VideoFrame.from_ndarray(img, format='rgb24')
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        return
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (w, h))
    if not writer.isOpened():
        raise IOError(f'cannot write {path} with mp4v')
    for img in frames():
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()


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
        for split in args.pipelines:
            pipeline = pipeline_of(cfg, split)
            if not pipeline:
                continue
            test_mode = split != 'train'
            for set_name, info in sets.items():
                files = info['files']
                sources[set_name] = info['desc']
                ds = video_datasets(files, {'': copy.deepcopy(pipeline)},
                                    test_mode)['']
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
